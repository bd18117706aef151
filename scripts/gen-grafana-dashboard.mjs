#!/usr/bin/env node
// Generates deploy/grafana/siar-overview.json, the siar Grafana dashboard.
// The JSON is committed; packages/core/test/metrics/dashboards-and-alerts.test.ts
// fails when it drifts from this generator and when a query names a metric that
// a live broker does not expose.
// Usage: node scripts/gen-grafana-dashboard.mjs          (rewrite the file)
//        node scripts/gen-grafana-dashboard.mjs --check  (exit 1 if it drifted)
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const DASHBOARD_PATH = fileURLToPath(new URL('../deploy/grafana/siar-overview.json', import.meta.url))
const DS = { type: 'prometheus', uid: '${datasource}' }
const RATE = '$__rate_interval'
const POD = 'instance=~"$instance"'

/** Grafana lays panels on a 24-column grid; we fill rows left to right. */
function layout (rows) {
  const panels = []
  let id = 1
  let y = 0
  for (const row of rows) {
    panels.push({ type: 'row', id: id++, title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] })
    y += 1
    let x = 0
    for (const p of row.panels) {
      const w = p.w ?? 8
      const h = p.h ?? 8
      if (x + w > 24) { x = 0; y += h }
      panels.push(build(p, id++, { h, w, x, y }))
      x += w
    }
    y += Math.max(...row.panels.map((p) => p.h ?? 8))
  }
  return panels
}

function build (p, id, gridPos) {
  const panel = {
    type: p.type ?? 'timeseries',
    id,
    title: p.title,
    description: p.description,
    datasource: DS,
    gridPos,
    fieldConfig: { defaults: { unit: p.unit ?? 'short', ...(p.min === undefined ? {} : { min: p.min }) }, overrides: [] },
    options: p.type === 'stat'
      ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area' }
      : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets: p.targets.map(([expr, legendFormat], i) => ({ datasource: DS, expr, legendFormat, refId: String.fromCharCode(65 + i) }))
  }
  return panel
}

const quantiles = (metric, by = '') => [0.5, 0.9, 0.99].map((q) => [
  `histogram_quantile(${q}, sum by (le${by}) (rate(${metric}_bucket[${RATE}])))`,
  `p${Math.round(q * 100)}${by ? ` {{${by.slice(2)}}}` : ''}`
])

export function buildDashboard () {
  const rows = [
    {
      title: 'Cluster',
      panels: [
        { type: 'stat', w: 6, title: 'Connected clients', unit: 'short', targets: [['sum(siar_clients_connected)', 'clients']] },
        { type: 'stat', w: 6, title: 'Ready nodes', unit: 'short', targets: [['sum(siar_ready)', 'ready'], ['count(siar_ready)', 'nodes']] },
        { type: 'stat', w: 6, title: 'Messages in per second', unit: 'reqps', targets: [[`sum(rate(siar_publish_received_total[${RATE}]))`, 'in']] },
        { type: 'stat', w: 6, title: 'Messages out per second', unit: 'reqps', targets: [[`sum(rate(siar_publish_delivered_total[${RATE}]))`, 'out']] },
        { title: 'Connected clients by node', targets: [['sum by (instance) (siar_clients_connected)', '{{instance}}']] },
        { title: 'Connections opened by transport', unit: 'cps', targets: [[`sum by (transport) (rate(siar_connections_accepted_total[${RATE}]))`, '{{transport}}']] },
        { title: 'Connections closed by reason', unit: 'cps', targets: [[`sum by (reason) (rate(siar_connections_closed_total[${RATE}]))`, '{{reason}}']] }
      ]
    },
    {
      title: 'Messages',
      panels: [
        { title: 'PUBLISH received by QoS', unit: 'reqps', targets: [[`sum by (qos) (rate(siar_publish_received_total[${RATE}]))`, 'QoS {{qos}}']] },
        { title: 'PUBLISH delivered by QoS', unit: 'reqps', targets: [[`sum by (qos) (rate(siar_publish_delivered_total[${RATE}]))`, 'QoS {{qos}}']] },
        { title: 'Messages dropped by reason', unit: 'reqps', targets: [[`sum by (reason) (rate(siar_messages_dropped_total[${RATE}]))`, '{{reason}}']] },
        { title: 'Delivery latency inside a node', unit: 's', description: 'From PUBLISH accepted to handed to the subscriber connection', targets: quantiles('siar_delivery_latency_seconds') },
        { title: 'Network bytes', unit: 'Bps', targets: [[`sum(rate(siar_network_received_bytes_total[${RATE}]))`, 'received'], [`sum(rate(siar_network_sent_bytes_total[${RATE}]))`, 'sent']] },
        {
          title: 'Subscriptions, retained, queued, in flight',
          targets: [
            ['sum(siar_subscriptions)', 'subscriptions (connected clients)'],
            ['max(siar_stored_subscriptions)', 'stored subscriptions'],
            ['max(siar_retained_messages)', 'retained messages'],
            ['sum(siar_offline_queued_messages)', 'queued for offline sessions'],
            ['sum(siar_inflight_messages)', 'in flight (QoS 1/2)']
          ]
        }
      ]
    },
    {
      title: 'Security and limits',
      panels: [
        { title: 'Authentication failures by reason', unit: 'cps', targets: [[`sum by (reason) (rate(siar_auth_failures_total[${RATE}]))`, '{{reason}}']] },
        { title: 'Authorization denials by action', unit: 'reqps', targets: [[`sum by (action) (rate(siar_authz_failures_total[${RATE}]))`, '{{action}}']] },
        { title: 'Limit hits', unit: 'reqps', targets: [[`sum by (limit) (rate(siar_limit_hits_total[${RATE}]))`, '{{limit}}']] }
      ]
    },
    {
      title: 'Nodes',
      panels: [
        { title: 'Event-loop lag p99', unit: 's', targets: [[`siar_nodejs_eventloop_lag_p99_seconds{${POD}}`, '{{instance}}']] },
        { title: 'CPU', unit: 'percentunit', targets: [[`rate(siar_process_cpu_seconds_total{${POD}}[${RATE}])`, '{{instance}}']] },
        {
          title: 'Memory',
          unit: 'bytes',
          targets: [
            [`siar_process_resident_memory_bytes{${POD}}`, 'resident {{instance}}'],
            [`siar_nodejs_heap_size_used_bytes{${POD}}`, 'heap used {{instance}}'],
            [`siar_memory_limit_bytes{${POD}}`, 'limit {{instance}}']
          ]
        },
        { title: 'Readiness', unit: 'short', min: 0, targets: [[`siar_ready{${POD}}`, '{{instance}}']] },
        { title: 'Open file descriptors', unit: 'short', targets: [[`siar_process_open_fds{${POD}}`, '{{instance}}']] },
        { title: 'GC time', unit: 'percentunit', targets: [[`sum by (instance) (rate(siar_nodejs_gc_duration_seconds_sum{${POD}}[${RATE}]))`, '{{instance}}']] }
      ]
    },
    {
      title: 'Redis',
      panels: [
        { title: 'Redis connected', unit: 'short', min: 0, description: '1 = ready; shown only when Redis is configured', targets: [[`min by (instance, role) (siar_redis_connected{${POD}})`, '{{instance}} {{role}}']] },
        { title: 'Redis command latency', unit: 's', targets: quantiles('siar_redis_command_duration_seconds', ', role') },
        { title: 'Redis reconnects', unit: 'short', targets: [[`sum by (role) (increase(siar_redis_reconnects_total[${RATE}]))`, '{{role}}']] },
        { title: 'Backplane messages', unit: 'reqps', targets: [[`sum by (direction) (rate(siar_backplane_messages_total[${RATE}]))`, '{{direction}}']] }
      ]
    },
    {
      title: 'Bridges',
      panels: [
        { title: 'Bridge connected', unit: 'short', min: 0, description: '1 = connected to the remote; in a cluster only the node holding the lease connects (docs/bridge-aws-iot-core.md)', targets: [['max by (bridge) (siar_bridge_connected)', '{{bridge}}'], ['sum by (bridge) (siar_bridge_owner)', 'owners {{bridge}}']] },
        { title: 'Bridge messages', unit: 'reqps', targets: [[`sum by (bridge, direction) (rate(siar_bridge_messages_total[${RATE}]))`, '{{bridge}} {{direction}}']] },
        {
          title: 'Bridge buffer and drops',
          description: 'Buffered: outbound messages waiting for the remote (cluster: one shared list, so max over nodes). Dropped: buffer full or refused by the remote.',
          targets: [
            ['max by (bridge) (siar_bridge_buffered_messages)', 'buffered {{bridge}}'],
            [`sum by (bridge) (increase(siar_bridge_messages_dropped_total[${RATE}]))`, 'dropped {{bridge}}']
          ]
        }
      ]
    }
  ]

  return {
    uid: 'siar-overview',
    title: 'siar overview',
    description: 'siar MQTT broker: clients, message flow, drops, latency, security, nodes and Redis. Generated by scripts/gen-grafana-dashboard.mjs.',
    tags: ['siar', 'mqtt'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    timezone: 'browser',
    templating: {
      list: [
        { type: 'datasource', name: 'datasource', label: 'Data source', query: 'prometheus', current: {}, hide: 0, refresh: 1 },
        {
          type: 'query',
          name: 'instance',
          label: 'Node',
          datasource: DS,
          query: { query: 'label_values(siar_ready, instance)', refId: 'instance' },
          definition: 'label_values(siar_ready, instance)',
          includeAll: true,
          multi: true,
          allValue: '.*',
          current: {},
          refresh: 2,
          sort: 1,
          hide: 0
        }
      ]
    },
    annotations: { list: [] },
    links: [],
    panels: layout(rows)
  }
}

export function renderDashboard () {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = renderDashboard()
  if (process.argv.includes('--check')) {
    let current = ''
    try { current = readFileSync(DASHBOARD_PATH, 'utf8') } catch {}
    if (current !== text) {
      console.error(`${DASHBOARD_PATH} is out of date: run node scripts/gen-grafana-dashboard.mjs`)
      process.exit(1)
    }
  } else {
    writeFileSync(DASHBOARD_PATH, text)
    console.log(`wrote ${DASHBOARD_PATH}`)
  }
}

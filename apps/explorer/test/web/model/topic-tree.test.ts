import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TopicTree, compareNames } from '../../../src/web/model/topic-tree.js'
import { filteredRows, visibleRows } from '../../../src/web/model/rows.js'

const enc = new TextEncoder()
function msg (topic: string, payload: string, extra: { retain?: boolean } = {}) {
  return { topic, payload: enc.encode(payload), qos: 0 as const, retain: extra.retain ?? false, dup: false, receivedAt: Date.now() }
}

test('ingest builds the hierarchy with counts kept up to date', () => {
  const tree = new TopicTree()
  tree.ingest(msg('a/b/c', '1'))
  tree.ingest(msg('a/b/c', '2'))
  tree.ingest(msg('a/b', 'x'))
  tree.ingest(msg('a/d', 'y'))
  const a = tree.root.children.get('a')
  assert.ok(a)
  assert.equal(a.total, 4)
  assert.equal(a.topics, 3)
  assert.equal(tree.find('a/b')?.count, 1)
  assert.equal(tree.find('a/b')?.total, 3)
  assert.equal(tree.find('a/b/c')?.count, 2)
  assert.equal(tree.messageCount, 4)
  assert.deepEqual(a.sorted.map((n) => n.name), ['b', 'd'])
})

test('empty levels and a leading slash are topics of their own', () => {
  const tree = new TopicTree()
  tree.ingest(msg('/x', '1'))
  tree.ingest(msg('x//y', '2'))
  assert.equal(tree.find('/x')?.topic, '/x')
  assert.equal(tree.find('x//y')?.depth, 2)
  assert.equal(tree.root.children.get('')?.children.get('x')?.topic, '/x')
})

test('history is bounded, and shrinking the bound trims every topic', () => {
  const tree = new TopicTree(3)
  for (let i = 0; i < 5; i++) tree.ingest(msg('t', String(i)))
  assert.deepEqual(tree.find('t')?.history.map((m) => new TextDecoder().decode(m.payload)), ['2', '3', '4'])
  tree.historySize = 1
  assert.equal(tree.find('t')?.history.length, 1)
  assert.equal(tree.find('t')?.count, 5, 'the count is not the history')
})

test('a global bound drops the oldest messages anywhere, keeping counts and last values', () => {
  const tree = new TopicTree(100, 5)
  for (let i = 0; i < 3; i++) for (const t of ['a', 'b', 'c']) tree.ingest(msg(t, `${t}${i}`))
  const kept = (t: string): string[] => tree.find(t)?.history.map((m) => new TextDecoder().decode(m.payload)) ?? []
  assert.deepEqual([kept('a'), kept('b'), kept('c')], [['a2'], ['b1', 'b2'], ['c1', 'c2']])
  assert.equal(tree.find('a')?.count, 3)
  assert.equal(tree.storedMessages, 5)
  // Per-topic trimming first, then the global bound: nothing is dropped twice.
  const small = new TopicTree(1, 3)
  for (const t of ['x', 'x', 'y', 'z', 'x']) small.ingest(msg(t, t))
  assert.deepEqual(['x', 'y', 'z'].map((t) => small.find(t)?.history.length), [1, 1, 1])
})

test('retained state follows retained publishes; an empty retained one clears it [MQTT-3.3.1-10]', () => {
  const tree = new TopicTree()
  tree.ingest(msg('r/a', 'on', { retain: true }))
  tree.ingest(msg('r/b', 'on', { retain: true }))
  assert.equal(tree.root.children.get('r')?.retainedBelow, 2)
  tree.ingest(msg('r/a', 'live'))
  assert.equal(tree.find('r/a')?.retained, true, 'a live message leaves the retained copy')
  tree.ingest(msg('r/a', '', { retain: true }))
  assert.equal(tree.find('r/a')?.retained, false)
  assert.equal(tree.root.children.get('r')?.retainedBelow, 1)
})

test('names sort numerically first, then by code unit', () => {
  const names = ['b', '10', 'a', '2', '1a', '01']
  assert.deepEqual(names.sort(compareNames), ['01', '2', '10', '1a', 'a', 'b'])
  const tree = new TopicTree()
  for (const n of ['10', '9', 'x', '100']) tree.ingest(msg(`n/${n}`, ''))
  assert.deepEqual(tree.root.children.get('n')?.sorted.map((c) => c.name), ['9', '10', '100', 'x'])
})

test('visible rows walk only expanded branches; a filter opens the way to its matches', () => {
  const tree = new TopicTree()
  for (let i = 0; i < 1000; i++) tree.ingest(msg(`big/${i}`, ''))
  tree.ingest(msg('home/kitchen/temp', '21'))
  assert.deepEqual(visibleRows(tree, new Set()).map((r) => r.node.topic), ['big', 'home'])
  const home = tree.root.children.get('home')
  assert.ok(home)
  assert.deepEqual(visibleRows(tree, new Set([home])).map((r) => r.node.topic), ['big', 'home', 'home/kitchen'])
  const f = filteredRows(tree, 'KITCHEN')
  assert.equal(f.matches, 1)
  assert.deepEqual(f.rows.map((r) => r.node.topic), ['home', 'home/kitchen', 'home/kitchen/temp'])
  assert.deepEqual(tree.topicsUnder(home).map((n) => n.topic), ['home/kitchen/temp'])
})

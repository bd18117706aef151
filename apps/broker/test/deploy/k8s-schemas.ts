import type { K8sObject } from './chart.js'

/**
 * Offline validation against the Kubernetes OpenAPI schemas that the
 * kubernetes-models packages ship (one class per apiVersion/kind, each with a
 * validate() that throws on a schema violation). Custom resources of the
 * Prometheus Operator come from @kubernetes-models/prometheus-operator.
 */
function modulePath (apiVersion: string, kind: string): string {
  if (apiVersion.startsWith('monitoring.coreos.com/')) return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`
  return `kubernetes-models/${apiVersion}/${kind}`
}

interface ModelClass { new (data: unknown): { validate: () => void } }

export async function validateManifest (obj: K8sObject): Promise<void> {
  const path = modulePath(obj.apiVersion, obj.kind)
  let Model: ModelClass
  try {
    const mod = await import(path) as Record<string, ModelClass>
    const found = mod[obj.kind]
    if (!found) throw new Error(`module has no export ${obj.kind}`)
    Model = found
  } catch (err) {
    throw new Error(`no schema for ${obj.apiVersion} ${obj.kind} (${path}): ${(err as Error).message}`)
  }
  try {
    new Model(obj).validate()
  } catch (err) {
    throw new Error(`${obj.kind}/${obj.metadata.name} does not match the ${obj.apiVersion} schema: ${(err as Error).message}`)
  }
}

// Untyped deep imports of the aedes family: the async persistence classes are
// what aedes 2 expects, but their packages only type the callback wrappers.
declare module 'aedes-persistence/asyncPersistence.js' {
  const AsyncMemoryPersistence: new (opts?: Record<string, unknown>) => any
  export default AsyncMemoryPersistence
}
declare module 'aedes-persistence-redis/asyncPersistence.js' {
  const AsyncRedisPersistence: new (opts?: Record<string, unknown>) => any
  export default AsyncRedisPersistence
}
declare module 'qlobber' {
  const Qlobber: any
  export default Qlobber
}

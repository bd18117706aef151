export { createBroker, startBroker } from './broker.js'
export type { Broker, BrokerDeps, BrokerEvents, Readiness, ReadinessCheck } from './broker.js'
export {
  parseOptions, brokerOptionsSchema,
  DEFAULT_HOST, DEFAULT_MQTT_PORT, DEFAULT_WS_PORT, DEFAULT_WS_PATH, DEFAULT_HTTP_PORT,
  DEFAULT_MAX_PACKET_SIZE_BYTES, DEFAULT_MAX_QUEUED_MESSAGES, DEFAULT_CONNECT_TIMEOUT_MS
} from './options.js'
export type { BrokerOptionsInput, ResolvedBrokerOptions, LogLevel } from './options.js'
export { OPTION_SOURCES, optionsFromEnv, optionsFromFlags, convertOptionValue } from './option-sources.js'
export type { OptionSource, OptionValueType } from './option-sources.js'
export { resolveConfig, readConfigFile } from './load-config.js'
export type { ResolveConfigInput } from './load-config.js'
export { SiarError, ConfigError, ListenError, ErrorCodes } from './errors.js'
export type { ErrorCode, ConfigViolation } from './errors.js'
export { silentLogger } from './logger.js'
export type { Logger, LogFn } from './logger.js'
export type { ListenerInfo, ListenerKind } from './listeners/bind.js'
export type { HttpRoutes, HttpHandler } from './listeners/http.js'
export { isLoopbackAddress } from './auth/anonymous-policy.js'
export { VERSION, AEDES_VERSION } from './version.js'

// Types for the xk6-mqtt extension's module, written from its documented API
// (Client with MQTT.js-style events; MQTT 3.1.1 only), for type-checking the
// scripts with @types/k6. k6 itself is not needed to check them.
declare module 'k6/x/mqtt' {
  export type QoS = 0 | 1 | 2

  export interface ClientOptions {
    client_id?: string
    username?: string
    password?: string
    credentials_provider?: () => { username: string, password: string }
    will?: { topic: string, payload: string, qos?: QoS, retain?: boolean }
    tags?: Record<string, string>
  }

  export interface ConnectOptions {
    /** Seconds (default 60). */
    keepalive?: number
    /** Milliseconds (default 30000). */
    connect_timeout?: number
    clean_session?: boolean
    servers?: string[]
    tags?: Record<string, string>
  }

  export interface SubscribeOptions { qos?: QoS, tags?: Record<string, string> }
  export interface PublishOptions { qos?: QoS, retain?: boolean, tags?: Record<string, string> }
  export interface MQTTError { name: 'MQTTError', message: string, method: string }

  export class Client {
    constructor (options?: ClientOptions)
    readonly connected: boolean
    connect (url: string, options?: ConnectOptions): void
    end (): void
    endAsync (): Promise<void>
    reconnect (): void
    subscribe (topic: string | string[], options?: SubscribeOptions): void
    subscribeAsync (topic: string | string[], options?: SubscribeOptions): Promise<void>
    unsubscribe (topic: string | string[]): void
    unsubscribeAsync (topic: string | string[]): Promise<void>
    publish (topic: string, payload: string | ArrayBuffer, options?: PublishOptions): void
    publishAsync (topic: string, payload: string | ArrayBuffer, options?: PublishOptions): Promise<void>
    on (event: 'connect' | 'end' | 'reconnect', listener: () => void): void
    on (event: 'message', listener: (topic: string, payload: ArrayBuffer) => void): void
    on (event: 'error', listener: (error: MQTTError) => void): void
  }
}

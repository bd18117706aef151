import { utf8Decode } from './bytes.js'
import { ClientErrorCodes, MqttClientError } from './errors.js'

/**
 * Turns payload bytes into values and back. Write your own for any format;
 * plug a schema validator in through `decode` (see `json({ validate })`).
 */
export interface Codec<T> {
  /** For error messages. */
  readonly name: string
  /** MQTT 5 Content Type set on publishes that do not set one. */
  readonly contentType?: string
  encode: (value: T) => Uint8Array | string
  /** Throw to reject the payload: the message then carries `decodeError`. */
  decode: (payload: Uint8Array) => T
}

/** UTF-8 text; a payload that is not valid UTF-8 is a decode error. */
export const text: Codec<string> = {
  name: 'text',
  contentType: 'text/plain; charset=utf-8',
  encode: (value) => value,
  decode: (payload) => utf8Decode(payload)
}

/** Bytes as they are (a Uint8Array; in Node it is a Buffer). */
export const binary: Codec<Uint8Array> = {
  name: 'binary',
  encode: (value) => value,
  decode: (payload) => payload
}

export interface JsonCodecOptions<T> {
  /**
   * Check (and narrow) the parsed value; throw to reject it. Any schema
   * library fits: `validate: (v) => MySchema.parse(v)` (zod), or an ajv
   * validator wrapped to throw its errors.
   */
  validate?: (value: unknown) => T
}

/** JSON; parse errors and validator errors become the message's `decodeError`. */
export function json<T = unknown> (options: JsonCodecOptions<T> = {}): Codec<T> {
  const { validate } = options
  return {
    name: 'json',
    contentType: 'application/json',
    encode: (value) => JSON.stringify(value),
    decode: (payload) => {
      const parsed: unknown = JSON.parse(utf8Decode(payload))
      return validate ? validate(parsed) : parsed as T
    }
  }
}

export const codecs = { text, binary, json } as const

export type DecodeResult<T> = { value: T, decodeError?: undefined } | { value: undefined, decodeError: MqttClientError }

/** Decode without throwing: a failure comes back as an error object naming the codec and topic. */
export function decodeWith<T> (codec: Codec<T>, payload: Uint8Array, topic: string): DecodeResult<T> {
  try {
    return { value: codec.decode(payload) }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    return {
      value: undefined,
      decodeError: new MqttClientError(ClientErrorCodes.CODEC, `cannot decode the ${payload.length}-byte payload on ${topic} as ${codec.name}: ${reason}`, { cause: err })
    }
  }
}

/** Encode, turning a codec failure into an error that names the topic. */
export function encodeWith<T> (codec: Codec<T>, value: T, topic: string): Uint8Array | string {
  try {
    const out = codec.encode(value)
    if (out === undefined) throw new Error('the codec returned nothing')
    return out
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new MqttClientError(ClientErrorCodes.CODEC, `cannot encode the value for ${topic} as ${codec.name}: ${reason}`, { cause: err })
  }
}

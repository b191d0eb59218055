/**
 * Private copies of JSON values. The store keeps its own copy of every payload
 * and hands each reader a fresh one, so neither the caller who enqueued nor a
 * handler that mutates its payload can change what is stored. Walking a small
 * plain object is several times cheaper than a JSON text round trip
 * (`JSON.stringify` at enqueue, `JSON.parse` per delivery), and gives the same
 * result: anything the walk does not recognise as plain JSON takes the text path.
 */

/** Nesting deeper than this takes the JSON text path (which also reports cycles). */
const MAX_DEPTH = 200;

/** Longest JSON text of a finite number (`-1.2345678901234567e-308` is 24 characters). */
const MAX_NUMBER_BYTES = 25;

/** Returned by the walk for anything JSON would drop, change or reject. */
const NOT_PLAIN = Symbol('not plain JSON');

/**
 * Copies JSON values and, while doing so, bounds the UTF-8 length of their JSON
 * text from above (a UTF-16 unit is at most 6 bytes of JSON: `\u001f`), so a
 * size limit is checked without serializing when the bound is under it.
 */
export class JsonCopier {
  /** Upper bound of the UTF-8 bytes of the JSON text of what the last `copy` returned. */
  maxBytes = 0;

  /**
   * A deep copy of `value` as `JSON.parse(JSON.stringify(value))` would return it;
   * `undefined` stays `undefined`. Throws what `JSON.stringify` throws (cycle, bigint).
   */
  copy(value: unknown): unknown {
    this.maxBytes = 0;
    if (value === undefined) return undefined;
    const copied = this.walk(value, 0);
    if (copied !== NOT_PLAIN) return copied;
    // A Date, a toJSON method, a class instance, an array hole, NaN, a cycle...: JSON decides.
    const text = JSON.stringify(value);
    if (text === undefined) return undefined;
    this.maxBytes = Buffer.byteLength(text, 'utf8');
    return JSON.parse(text);
  }

  private walk(value: unknown, depth: number): unknown {
    switch (typeof value) {
      case 'string':
        this.maxBytes += value.length * 6 + 2;
        return value;
      case 'number':
        if (!Number.isFinite(value)) return NOT_PLAIN;
        this.maxBytes += MAX_NUMBER_BYTES;
        // JSON has no negative zero.
        return value === 0 ? 0 : value;
      case 'boolean':
        this.maxBytes += 5;
        return value;
      case 'object':
        break;
      default:
        return NOT_PLAIN;
    }
    if (value === null) {
      this.maxBytes += 4;
      return null;
    }
    if (depth >= MAX_DEPTH) return NOT_PLAIN;
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_PLAIN;
      const length = value.length;
      const out: unknown[] = new Array(length);
      this.maxBytes += 2 + length;
      for (let index = 0; index < length; index++) {
        if (!(index in value)) return NOT_PLAIN;
        const item = this.walk(value[index], depth + 1);
        if (item === NOT_PLAIN) return NOT_PLAIN;
        out[index] = item;
      }
      return out;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
    const out: Record<string, unknown> = {};
    this.maxBytes += 2;
    for (const key in value) {
      if (!Object.hasOwn(value, key)) return NOT_PLAIN;
      const item = this.walk((value as Record<string, unknown>)[key], depth + 1);
      // JSON drops properties whose value is undefined (or a function, a symbol): so does the text path.
      if (item === NOT_PLAIN) return NOT_PLAIN;
      // Assigning `__proto__` would set the prototype; JSON.parse makes it an own property.
      if (key === '__proto__')
        Object.defineProperty(out, key, {
          value: item,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[key] = item;
      this.maxBytes += key.length * 6 + 4;
    }
    return out;
  }
}

// A bounded reader of the protobuf wire format (proto2/proto3 encoding), for model files that
// arrive from the network. It walks one message's fields without recursing: a caller descends into
// a sub-message only when it knows the field is one, so nesting is as deep as the schema, never as
// deep as the file says. Every length and varint is checked against the bytes that remain.

export class ProtoError extends Error {
  override name = 'ProtoError';
}

/** Wire types the format still uses (3/4, groups, were deprecated before proto2 shipped). */
export type WireType = 0 | 1 | 2 | 5;
const WIRE_NAMES: Record<WireType, string> = { 0: 'varint', 1: '64-bit', 2: 'length-delimited', 5: '32-bit' };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One field of one message: its number, wire type and where its value lies in the bytes. */
export class ProtoField {
  constructor(
    readonly number: number,
    readonly wire: WireType,
    private readonly buf: Uint8Array,
    /** The value's bytes (a varint's too), `[start, end)`. */
    readonly start: number,
    readonly end: number,
    /** A varint's low and high 32 bits, unsigned; 0 for other wire types. */
    private readonly lo: number,
    private readonly hi: number,
  ) {}

  private expect(wire: WireType, what: string): void {
    if (this.wire !== wire) {
      throw new ProtoError(`field ${this.number} at byte ${this.start} should be a ${what} (${WIRE_NAMES[wire]}), but has wire type ${WIRE_NAMES[this.wire]}`);
    }
  }

  /** int32 and enum: the varint's low 32 bits as signed (negative values are sign-extended to 10 bytes). */
  int32(): number {
    this.expect(0, 'int32');
    return this.lo | 0;
  }

  bool(): boolean {
    this.expect(0, 'bool');
    return this.lo !== 0 || this.hi !== 0;
  }

  float(): number {
    this.expect(5, 'float');
    return new DataView(this.buf.buffer, this.buf.byteOffset + this.start, 4).getFloat32(0, true);
  }

  /** A view into the message's bytes, not a copy. */
  bytes(): Uint8Array {
    this.expect(2, 'bytes field');
    return this.buf.subarray(this.start, this.end);
  }

  string(): string {
    this.expect(2, 'string');
    try {
      return utf8.decode(this.buf.subarray(this.start, this.end));
    } catch {
      throw new ProtoError(`field ${this.number} at byte ${this.start} is a string that is not valid UTF-8`);
    }
  }

  /** The fields of the sub-message this field holds. */
  fields(): Generator<ProtoField> {
    this.expect(2, 'message');
    return readFields(this.buf, this.start, this.end);
  }
}

interface Varint { lo: number; hi: number; next: number }

/** A base-128 varint of at most 10 bytes (64 bits) starting at `pos`, which must end before `end`. */
function readVarint(buf: Uint8Array, pos: number, end: number): Varint {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) throw new ProtoError(`the data ends inside a varint at byte ${pos}`);
    const b = buf[pos + i];
    const bits = b & 0x7f;
    if (i < 4) lo |= bits << (7 * i);
    else if (i === 4) { lo |= (bits & 0x0f) << 28; hi = bits >> 4; }
    else hi |= bits << (7 * i - 32);
    if ((b & 0x80) === 0) return { lo: lo >>> 0, hi: hi >>> 0, next: pos + i + 1 };
  }
  throw new ProtoError(`the varint at byte ${pos} is longer than 10 bytes`);
}

/** The fields of the message in `buf[start, end)`, in file order; unknown fields are the caller's to skip. */
export function* readFields(buf: Uint8Array, start = 0, end = buf.length): Generator<ProtoField> {
  let pos = start;
  while (pos < end) {
    const tagAt = pos;
    const tag = readVarint(buf, pos, end);
    pos = tag.next;
    const number = (tag.lo >>> 3) + tag.hi * 0x20000000;
    const wire = tag.lo & 7;
    if (number < 1 || number > 0x1fffffff) throw new ProtoError(`byte ${tagAt} holds field number ${number}, outside 1…536870911`);
    if (wire === 0) {
      const v = readVarint(buf, pos, end);
      yield new ProtoField(number, 0, buf, pos, v.next, v.lo, v.hi);
      pos = v.next;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (pos + size > end) throw new ProtoError(`the data ends inside field ${number} at byte ${pos} (${size} bytes wanted, ${end - pos} left)`);
      yield new ProtoField(number, wire, buf, pos, pos + size, 0, 0);
      pos += size;
    } else if (wire === 2) {
      const len = readVarint(buf, pos, end);
      const left = end - len.next;
      if (len.hi !== 0 || len.lo > left) throw new ProtoError(`field ${number} at byte ${tagAt} says it holds ${len.hi ? 'over 4 GB' : `${len.lo} bytes`}, but only ${left} are left (the data is truncated or not protobuf)`);
      yield new ProtoField(number, 2, buf, len.next, len.next + len.lo, 0, 0);
      pos = len.next + len.lo;
    } else {
      throw new ProtoError(`byte ${tagAt} holds field ${number} with wire type ${wire}, which is not a protobuf value (groups and types 6–7 are not used)`);
    }
  }
}

// Typed, checked reads of the fields of a raw scheduler config object, each error naming the class,
// the field and the value; and which keys were never read (diffusers ignores those, with a warning).

export class SchedulerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchedulerConfigError';
  }
}

/** Typed access to the raw object; remembers which keys were read so the rest can be reported. */
export class Fields {
  private readonly read = new Set<string>(['_class_name', '_diffusers_version']);

  constructor(
    readonly className: string,
    private readonly obj: Readonly<Record<string, unknown>>,
  ) {}

  raw(name: string): unknown {
    this.read.add(name);
    return Object.prototype.hasOwnProperty.call(this.obj, name) ? this.obj[name] : undefined;
  }

  unreadKeys(): string[] {
    return Object.keys(this.obj).filter((k) => !this.read.has(k));
  }

  unsupported(name: string, value: unknown, why: string): never {
    throw new SchedulerConfigError(`${this.className}.${name} = ${show(value)} is not supported: ${why}`);
  }

  private bad(name: string, value: unknown, expected: string): never {
    throw new SchedulerConfigError(`${this.className}.${name} = ${show(value)} is invalid: expected ${expected}`);
  }

  bool(name: string, def: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return def;
    if (typeof v !== 'boolean') this.bad(name, v, 'true or false');
    return v;
  }

  /** An integer in [min, max]; `why` says where max comes from. */
  int(name: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER, why = ''): number {
    const v = this.raw(name);
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}${why ? ` (${why})` : ''}`;
      this.bad(name, v, `an integer ${range}`);
    }
    return v;
  }

  /** A float; Python's spellings of the special values are accepted as strings too ("-inf"). */
  float(name: string, def: number, opts: { allowNegInf?: boolean } = {}): number {
    const v = this.raw(name);
    if (v === undefined) return def;
    const x = typeof v === 'string' ? PY_FLOATS[v.toLowerCase()] : v;
    if (typeof x !== 'number' || Number.isNaN(x) || (!Number.isFinite(x) && !(opts.allowNegInf && x === -Infinity))) {
      this.bad(name, v, opts.allowNegInf ? 'a finite number or -Infinity' : 'a finite number');
    }
    return x;
  }

  ratio(name: string, def: number): number {
    const x = this.float(name, def);
    if (x < 0 || x > 1) this.bad(name, x, 'a number in [0, 1]');
    return x;
  }

  optionalPositive(name: string): number | null {
    const v = this.raw(name);
    if (v === undefined || v === null) return null;
    const x = this.float(name, NaN);
    if (!(x > 0)) this.bad(name, v, 'null or a positive number');
    return x;
  }

  oneOf<const T extends string>(name: string, def: T, values: readonly T[]): T {
    const v = this.raw(name);
    if (v === undefined) return def;
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      this.unsupported(name, v, `supported: ${values.map((x) => JSON.stringify(x)).join(', ')}`);
    }
    return v as T;
  }
}

const PY_FLOATS: Record<string, number | undefined> = {
  inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '-infinity': -Infinity, nan: NaN,
};

function show(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

// What `PixArt: Prepare Model…` offers and the converter command it runs: pure, so the choices,
// their disk/RAM estimates (from models/README.md) and the command line are testable without VS Code.

export interface ModelChoice {
  id: 'lcm' | 'xl2' | 'random';
  label: string;
  detail: string;
  /** converter flags that pick the source */
  sourceArgs: string[];
  folderName: string;
}

export const MODEL_CHOICES: readonly ModelChoice[] = [
  {
    id: 'lcm',
    label: 'PixArt-LCM-XL-2-1024-MS',
    detail: 'Fast: 4 steps, no guidance. Downloads ~22 GB from Hugging Face once.',
    sourceArgs: ['--model-id', 'PixArt-alpha/PixArt-LCM-XL-2-1024-MS'],
    folderName: 'PixArt-LCM-XL-2-1024-MS',
  },
  {
    id: 'xl2',
    label: 'PixArt-XL-2-1024-MS',
    detail: 'About 20 steps with guidance 4.5; uses negative prompts. Downloads ~22 GB once.',
    sourceArgs: ['--model-id', 'PixArt-alpha/PixArt-XL-2-1024-MS'],
    folderName: 'PixArt-XL-2-1024-MS',
  },
  {
    id: 'random',
    label: 'Random weights (real size)',
    detail: 'No download; images are noise. For trying the extension and measuring speed.',
    sourceArgs: ['--random-weights'],
    folderName: 'PixArt-random-weights',
  },
];

export interface PrecisionChoice {
  id: 'fp16' | 'int8' | 'int4' | 'fp32';
  label: string;
  /** Size of the converted folder on disk, GB (models/README.md, "Disk and memory"). */
  diskGb: number;
  detail: string;
}

export const PRECISION_CHOICES: readonly PrecisionChoice[] = [
  { id: 'int4', label: 'int4 text encoder, int8 transformer', diskGb: 2.9, detail: 'Smallest and quickest to load; as the OpenVINO notebook does.' },
  { id: 'int8', label: 'int8 weights', diskGb: 5.5, detail: 'Half the size of fp16, close in quality.' },
  { id: 'fp16', label: 'fp16 weights', diskGb: 10.9, detail: 'Full quality at half the size of fp32.' },
  { id: 'fp32', label: 'fp32 weights', diskGb: 21.7, detail: 'As trained; the largest.' },
];

/** The converter's peak memory: one fp32 copy of T5-XXL plus ~1 GB, whatever the precision. */
const CONVERSION_PEAK_RAM_GB = 20;
/** What --model-id downloads into the Hugging Face cache the first time. */
const DOWNLOAD_GB = 22;

export interface ConvertPlan {
  args: string[];
  /** Free disk the run needs at its destination (and the download cache), GB. */
  diskGb: number;
  ramGb: number;
  summary: string;
}

export function planConversion(model: ModelChoice, precision: PrecisionChoice, outDir: string): ConvertPlan {
  const download = model.id === 'random' ? 0 : DOWNLOAD_GB;
  return {
    args: ['convert.py', ...model.sourceArgs, '--weights', precision.id, '--out', outDir],
    diskGb: Math.round((precision.diskGb + download) * 10) / 10,
    ramGb: CONVERSION_PEAK_RAM_GB,
    summary: `${model.label}, ${precision.label}: ~${precision.diskGb} GB on disk` +
      (download ? ` (plus a ~${download} GB download, kept in the Hugging Face cache)` : '') +
      `; converting needs ~${CONVERSION_PEAK_RAM_GB} GB of RAM.`,
  };
}

export interface ScriptPaths {
  /** The Python that creates the converter's virtual environment. */
  basePython: string;
  venv: string;
  /** models/ inside the extension */
  modelsDir: string;
}

/** POSIX single quotes, or cmd.exe double quotes: enough for paths and the converter's flags. */
function quote(arg: string, windows: boolean): string {
  if (windows) return `"${arg.replace(/"/g, '""')}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * One shell line for a VS Code task: make the virtual environment if needed, install the
 * converter's requirements (pip skips what is there), then convert. Each step stops the line on
 * failure, so the task's exit code says whether the folder was made.
 */
export function conversionCommand(plan: ConvertPlan, p: ScriptPaths, platform: NodeJS.Platform): string {
  const windows = platform === 'win32';
  const q = (s: string) => quote(s, windows);
  const sep = windows ? '\\' : '/';
  const py = windows ? `${p.venv}${sep}Scripts${sep}python.exe` : `${p.venv}${sep}bin${sep}python`;
  const [script, ...args] = plan.args;
  const steps = [
    windows ? `(if not exist ${q(py)} ${q(p.basePython)} -m venv ${q(p.venv)})` : `{ [ -x ${q(py)} ] || ${q(p.basePython)} -m venv ${q(p.venv)}; }`,
    `${q(py)} -m pip install --disable-pip-version-check -r ${q(`${p.modelsDir}${sep}requirements.txt`)}`,
    [q(py), q(`${p.modelsDir}${sep}${script}`), ...args.map(q)].join(' '),
  ];
  return steps.join(' && ');
}

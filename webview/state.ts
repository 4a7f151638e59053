// What the view keeps while VS Code hides it or reloads it (getState/setState): the form as typed,
// the model its steps and sizes were set for, and the last seed used.

import type { FormValues } from './form-values';
import type { VsCodeApi } from './host';

interface Saved {
  form?: FormValues;
  modelName?: string;
  lastSeed?: string;
}

export class ViewState {
  private readonly saved: Saved;

  constructor(private readonly api: Pick<VsCodeApi, 'getState' | 'setState'>) {
    this.saved = (api.getState() as Saved | undefined) ?? {};
  }

  get form(): FormValues | undefined {
    return this.saved.form;
  }

  get modelName(): string | undefined {
    return this.saved.modelName;
  }

  get lastSeed(): string | undefined {
    return this.saved.lastSeed;
  }

  update(change: Saved): void {
    Object.assign(this.saved, change);
    this.api.setState(this.saved);
  }
}

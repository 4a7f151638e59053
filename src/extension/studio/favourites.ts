// The studio's favourites: file names per output folder, kept in the workspace's state (Memento).
// Not a file in the output folder: that folder is usually committed with the images, and a
// favourites.json there would show in every diff and conflict between the people who share it;
// favourites are one user's picks in one workspace. The price: they do not travel with the images.

import type * as vscode from 'vscode';

const KEY = 'pixart.studio.favourites';
/** Most names kept per folder (a bound on what a workspace's state holds). */
const MAX_PER_FOLDER = 10_000;

type Stored = Record<string, string[]>;

export class Favourites {
  constructor(private readonly state: vscode.Memento) {}

  private all(): Stored {
    const v = this.state.get<unknown>(KEY);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Stored) : {};
  }

  /** The favourite names in `folder`. */
  of(folder: string): Set<string> {
    const names = this.all()[folder];
    return new Set(Array.isArray(names) ? names.filter((n) => typeof n === 'string') : []);
  }

  /** Marks (`on`) or unmarks `name` in `folder`; returns the folder's favourites. */
  async set(folder: string, name: string, on: boolean): Promise<Set<string>> {
    const names = this.of(folder);
    if (on) names.add(name);
    else names.delete(name);
    const kept = [...names].slice(-MAX_PER_FOLDER);
    await this.state.update(KEY, { ...this.all(), [folder]: kept });
    return new Set(kept);
  }
}

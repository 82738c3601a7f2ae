// A labelled value and how it should look: what the status sections and the services table are made of.
export type Tone = 'ok' | 'warn' | 'bad' | 'dim';

export interface Row {
  label: string;
  value: string;
  tone: Tone;
}

/** A titled group of rows: one block of `prodctl status`. */
export interface Section {
  title: string;
  rows: Row[];
}

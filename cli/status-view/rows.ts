// A labelled value and how it should look: what the status sections and the services table are made of.
export type Tone = 'ok' | 'warn' | 'bad' | 'dim';

export interface Row {
  label: string;
  value: string;
  tone: Tone;
}

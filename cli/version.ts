// prodctl's version: a leaf, so the commands that print or record it need not import main.ts.
export const VERSION = '0.1.0';

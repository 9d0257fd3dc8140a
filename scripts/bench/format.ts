// How the bench prints its figures (the same in every part, so runs compare line by line).

/** A figure rounded to a whole number, with thousands separators: `123,456`. */
export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

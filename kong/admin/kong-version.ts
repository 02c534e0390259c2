/** Compares dotted versions numerically (`3.10.0` > `3.9.1`); extra labels (`-enterprise`) are ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (v.match(/^\d+(\.\d+)*/)?.[0] ?? '0').split('.').map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

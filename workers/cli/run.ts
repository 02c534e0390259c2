export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('kong-fleet run: not implemented yet\n');
  return 1;
}

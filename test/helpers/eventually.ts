export { waitFor as eventually } from '../../scripts/lib/wait-for.ts';

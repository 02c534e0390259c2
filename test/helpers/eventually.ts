export { waitFor as eventually } from '../../lib/wait-for.ts';

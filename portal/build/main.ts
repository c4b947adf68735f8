/** `npm run build:portal`: builds the holder portal into portal/dist (see portal/build/build.ts). */
import { buildPortal } from './build';

const started = performance.now();
const info = await buildPortal({ log: (line) => console.log(line) });
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
console.log(
  `portal: ready in ${((performance.now() - started) / 1000).toFixed(1)} s — ` +
    `${info.rareCharacters.characters} rare characters with readings (${info.rareCharacters.source}, Unihan ${info.rareCharacters.unihan}: ` +
    `${Object.entries(info.rareCharacters.byBlock).map(([block, n]) => `${block} ${n}`).join(', ')}), ` +
    `font ${info.font.slices} slices, ${kb(info.font.totalBytes)} in all, largest ${kb(info.font.largestSliceBytes)}`,
);

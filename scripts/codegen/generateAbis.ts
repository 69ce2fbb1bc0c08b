/** `npm run codegen`: writes src/contracts/abis.ts from the compiled contracts (scripts/codegen/abiModule.ts). */
import { writeFile } from "node:fs/promises";

import { ABI_MODULE_PATH, renderAbiModule } from "./abiModule.js";

await writeFile(ABI_MODULE_PATH, await renderAbiModule(process.cwd()));
console.log(`wrote ${ABI_MODULE_PATH}`);

/** Where the default model ships: `workers/ner/model/` (model.onnx, tokenizer.json, config.json, model card). */
import { fileURLToPath } from 'node:url';

export const DEFAULT_NER_MODEL_DIR = fileURLToPath(new URL('../model', import.meta.url));

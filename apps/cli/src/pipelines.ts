/** The pipelines this build of prelabel ships, by name (also their queue names). */
import type { Pipeline } from '@prelabel/shared/pipelines/pipeline';
import { patternsPipeline } from '@prelabel/worker-patterns/patterns.pipeline';

export const pipelines: ReadonlyMap<string, Pipeline> = new Map<string, Pipeline>([
  [patternsPipeline.name, patternsPipeline as Pipeline],
]);

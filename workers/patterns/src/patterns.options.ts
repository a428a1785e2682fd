/**
 * Options of the `patterns` pipeline, as a run or `extra_params` gives them:
 * `{"patterns": [{"label": "ORG", "pattern": "Acme Corp"}, {"label": "IMO", "regex": "IMO ?\\d{7}"}],
 *   "caseSensitive": false, "fromName": "label"}`.
 * Unknown keys are rejected so that a misspelt option is reported, not ignored. Each issue's path
 * and message name the offending entry (`patterns[1].regex …`).
 */
import { z } from 'zod';
import { describeRegexProblem } from './patterns-matcher.ts';

const notBlank = z.string().regex(/\S/, 'must not be blank');

const PatternEntry = z.strictObject({
  /** Label to emit; matched to the config's labels case-insensitively. */
  label: notBlank,
  /** A literal phrase, matched on word boundaries. */
  pattern: notBlank.optional(),
  /** JS RegExp source, compiled with `u` (and `i` unless `caseSensitive`). */
  regex: z.string().min(1).optional(),
});

export const PatternsOptions = z
  .strictObject({
    patterns: z.array(PatternEntry).min(1, 'give at least one pattern'),
    /** @defaultValue false */
    caseSensitive: z.boolean().default(false),
    /** Name of the `<Labels>` control to fill; default: the first `<Labels>` on a `<Text>`. */
    fromName: notBlank.optional(),
  })
  .superRefine((options, context) => {
    options.patterns.forEach((entry, index) => {
      if ((entry.pattern === undefined) === (entry.regex === undefined)) {
        context.addIssue({
          code: 'custom',
          path: ['patterns', index],
          message: `patterns[${index}] needs exactly one of "pattern" (a literal phrase) or "regex"`,
        });
        return;
      }
      const problem = entry.regex === undefined ? undefined : describeRegexProblem(entry.regex);
      if (problem !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['patterns', index, 'regex'],
          message: `patterns[${index}].regex ${JSON.stringify(entry.regex)} ${problem}`,
        });
      }
    });
  });

export type PatternsOptions = z.infer<typeof PatternsOptions>;

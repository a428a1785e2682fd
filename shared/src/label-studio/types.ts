/**
 * Label Studio wire types shared by the client, the pipelines and the tests.
 * Shapes follow docs/label-studio-protocol.md §1.7, §4 and §6 (LS 1.22).
 */

/** One object tag input of a control, as LS's `parse_config` reports it. */
export interface LabelConfigInput {
  /** Object tag name, e.g. `Text`, `Image`, `HyperText`. */
  type: string;
  /** The object's `valueType` attribute, or null. */
  valueType: string | null;
  /** Task data key without the leading `$` (`value="$text"` → `text`); absent for `valueList` objects. */
  value?: string;
  /** Task data key of a `valueList="$pages"` object (multi-page), without the `$`. */
  valueList?: string;
}

/** One control tag (a tag with `name` and `toName`), keyed by its name in {@link ParsedLabelConfig}. */
export interface LabelConfigControl {
  /** Control tag name as written in the XML, e.g. `Labels`, `Choices`, `RectangleLabels`. */
  type: string;
  /** Names of the object tags this control annotates (`toName` split on commas). */
  to_name: string[];
  inputs: LabelConfigInput[];
  /** Label values (`alias` when present, else `value`) of descendant `Label`/`Choice`/`Relation` tags. */
  labels: string[];
  /** Every XML attribute of each label, keyed by the label (e.g. `predicted_values`, `background`). */
  labels_attrs: Record<string, Record<string, string>>;
  conditionals?: { type: 'tag' | 'label' | 'choice'; name: string };
  dynamic_labels?: true;
  regex?: Record<string, string>;
}

/** The structure LS's `parse_config` returns: control name → control. */
export type ParsedLabelConfig = Record<string, LabelConfigControl>;

/** One region of a prediction `result` (§1.7). */
export interface LabelStudioRegion {
  id: string;
  from_name: string;
  to_name: string;
  type: string;
  value: Record<string, unknown>;
  score?: number;
  origin?: string;
  item_index?: number;
  original_width?: number;
  original_height?: number;
  image_rotation?: number;
  readonly?: boolean;
}

/** A prediction as `/predict` answers it and as `POST /api/predictions` / import take it. */
export interface LabelStudioPredictionValue {
  result: LabelStudioRegion[];
  score?: number | null;
  model_version: string;
}

/** A stored prediction (`GET /api/predictions`, `fields=all` task listings). */
export interface LabelStudioPrediction {
  id: number;
  task: number;
  project?: number | null;
  result: LabelStudioRegion[];
  score: number | null;
  model_version: string;
  created_at?: string;
  updated_at?: string;
}

/** A task as `GET /api/tasks` lists it (DataManagerTaskSerializer; only the fields prelabel reads are typed). */
export interface LabelStudioTask {
  id: number;
  data: Record<string, unknown>;
  project?: number;
  total_predictions?: number;
  predictions?: LabelStudioPrediction[];
  /** Data Manager column: the versions of the task's predictions, comma-joined (`"v1, v2"`, `""` when none). */
  predictions_model_versions?: string;
  [key: string]: unknown;
}

/** A project (`GET /api/projects/{id}/`; only the fields prelabel reads are typed). */
export interface LabelStudioProject {
  id: number;
  title?: string;
  label_config: string;
  parsed_label_config?: ParsedLabelConfig;
  model_version?: string | null;
  show_collab_predictions?: boolean;
  created_at?: string;
  task_number?: number;
  [key: string]: unknown;
}

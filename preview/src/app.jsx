// The bundle's params form as Massdriver's UI may render it: stock RJSF (@rjsf/core) and the stock
// @rjsf/validator-ajv8 `validator` (RJSF's AJV_CONFIG: allErrors, multipleOfPrecision 8,
// strict: false, verbose, every ajv-formats format), the validator Massdriver's own form uses.
// Massdriver's UI is closed: which RJSF major it runs and whether it sets omitExtraData / liveOmit is not
// documented, so build.mjs bundles this file once per major (form5.js: RJSF 5.24 + React 18, form6.js:
// RJSF 6 + React 19) and the URL picks the settings: ?rjsf=5|6&omit=default|omit|live&preset=<slug>.
// Inputs (window.PREVIEW, from data.js): schema-params.json and schema-ui.json as mass bundle build
// writes them; the presets are the params schema's `examples` (each with its __name).
import { createRoot } from "react-dom/client";
import { useState } from "react";
import Form from "@rjsf/core";
import validator from "@rjsf/validator-ajv8";

const { schema, uiSchema, presets, costs, renderers } = window.PREVIEW;

// Massdriver's UI registers a `versioningDropdown` field (the engine version dropdown that blocks
// downgrades once deployed). Stock RJSF has none: this stand-in renders the stock string field
// (the enum's dropdown) under the field's title, as a custom field draws its own label.
function VersioningDropdown(props) {
  const { registry, schema: fieldSchema, idSchema, fieldPathId } = props;
  const id = (fieldPathId && fieldPathId.$id) || (idSchema && idSchema.$id);
  const StringField = registry.fields.StringField;
  return (
    <div className="versioning-dropdown">
      <label className="control-label" htmlFor={id}>
        {fieldSchema.title}
        {props.required ? <span className="required">*</span> : null}
      </label>
      <StringField {...props} />
    </div>
  );
}

// The preset's monthly estimate (aurora_bundle/cost, the README's presets column), line by line. It
// prices the preset as published: what you change in the form is not re-priced (make cost PARAMS=file is).
function Cost({ cost, name }) {
  if (!cost) return null;
  return (
    <section id="cost" className="cost" data-preset={slug(name)}>
      <h2>Estimated monthly cost: <span className="total">{cost.summary}</span></h2>
      <table>
        <tbody>
          {cost.lines.map((line, i) => (
            <tr key={line.item}>
              <th scope="row">{line.item}</th>
              <td className="amount">{cost.amounts[i]}</td>
              <td className="detail">{line.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="note">
        The {name} preset as published, On-Demand in {cost.region} for {cost.hours_per_month} hours a month, prices
        as of {cost.prices_as_of} (sources:{cost.sources.map((source, i) => (
          <a key={source} href={source} title={source}> [{i + 1}]</a>
        ))}). Changes made in the form below are not re-priced:
        <code> make cost PARAMS=params.json</code> prices any params file. {cost.leaves_out}
      </p>
    </section>
  );
}

// The Form settings the URL's `omit` names. omitExtraData drops the formData no field shows when the form
// is submitted; with liveOmit, on every change as well (https://rjsf-team.github.io/react-jsonschema-form/
// docs/api-reference/form-props#omitextradata). liveOmit is a boolean in 5.24 (rjsf5-core's
// lib/components/Form.d.ts); 6 takes "onChange" | "onBlur" or the deprecated boolean, true meaning "onChange"
// (@rjsf/core 6.11.1 lib/components/Form.js: `liveOmit === true || liveOmit === 'onChange'`). RJSF 5's
// omitExtraData does not follow if/then branches: rjsf-team/react-jsonschema-form#4165.
const SETTINGS = {
  default: {},
  omit: { omitExtraData: true },
  live: { omitExtraData: true, liveOmit: true },
};
const query = new URLSearchParams(window.location.search);
const setting = SETTINGS[query.get("omit") ?? "default"] ? (query.get("omit") ?? "default") : "default";
const renderer = { rjsf: RJSF_MAJOR, version: RJSF_VERSION, react: REACT_VERSION, omit: setting };

const slug = (name) => name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
const formDataOf = (preset) => {
  const { __name, ...params } = preset;
  return params;
};

const state = (window.previewState = { errors: [], submitted: null, submits: 0, errorRuns: 0, renderer });
// Links to the same preset under the other renderers and settings.
const rendererHref = (rjsf, omit, presetSlug) => `?rjsf=${rjsf}&omit=${omit}&preset=${presetSlug}`;

function App() {
  const wanted = query.get("preset");
  const initial = Math.max(0, presets.findIndex((p) => slug(p.__name) === wanted));
  const [index, setIndex] = useState(initial);
  const [formData, setFormData] = useState(formDataOf(presets[initial]));
  const [errors, setErrors] = useState([]);
  const [generation, setGeneration] = useState(0); // a new Form (fresh RJSF state) each time a preset is chosen
  const preset = presets[index];
  state.preset = slug(preset.__name);
  state.formData = formData;

  const choose = (i) => {
    setIndex(i);
    setGeneration((g) => g + 1);
    setFormData(formDataOf(presets[i]));
    setErrors([]);
    state.submitted = null;
    state.errors = [];
    state.submits = 0;
    state.errorRuns = 0;
    const url = new URL(window.location.href);
    url.searchParams.set("preset", slug(presets[i].__name));
    window.history.replaceState(null, "", url);
  };

  // For the browser test: start over on a preset (by slug), as a fresh page would.
  window.previewChoose = (wantedSlug) => choose(presets.findIndex((p) => slug(p.__name) === wantedSlug));

  return (
    <main>
      <header>
        <h1>{schema.title}: params form</h1>
        <p className="lede">
          Rendered from <code>schema-params.json</code> and <code>schema-ui.json</code> (what <code>mass bundle
          build</code> writes) with stock RJSF {renderer.version} (React {renderer.react}) and
          <code> @rjsf/validator-ajv8</code>, settings: <code>{JSON.stringify(SETTINGS[setting])}</code>.
        </p>
        <nav className="renderers">
          {renderers.flatMap((rjsf) => Object.keys(SETTINGS).map((omit) => (
            <a key={`${rjsf}-${omit}`} href={rendererHref(rjsf, omit, slug(preset.__name))}
              className={rjsf === renderer.rjsf && omit === setting ? "active" : ""}>
              RJSF {rjsf}, {omit}
            </a>
          )))}
        </nav>
        <nav className="presets">
          {presets.map((p, i) => (
            <button key={p.__name} type="button" className={i === index ? "active" : ""} data-preset={slug(p.__name)}
              onClick={() => choose(i)}>
              {p.__name}
            </button>
          ))}
        </nav>
      </header>
      <Cost cost={costs[preset.__name]} name={preset.__name} />
      <Form
        key={generation}
        {...SETTINGS[setting]}
        schema={schema}
        uiSchema={uiSchema}
        validator={validator}
        fields={{ versioningDropdown: VersioningDropdown }}
        formData={formData}
        onChange={({ formData: next }) => setFormData(next)}
        onSubmit={({ formData: submitted }) => {
          state.submitted = JSON.parse(JSON.stringify(submitted ?? null));
          state.submits += 1;
          state.errors = [];
          setErrors([]);
        }}
        onError={(errs) => {
          state.errors = errs.map((e) => ({ property: e.property, message: e.message, stack: e.stack }));
          state.errorRuns += 1;
          setErrors(errs);
        }}
      />
      <p className="status" data-status={errors.length ? "invalid" : state.submitted ? "submitted" : "idle"}>
        {errors.length ? `${errors.length} validation error(s)` : state.submitted ? "Submitted: the form is valid." : ""}
      </p>
    </main>
  );
}

// For the browser test: the stock validator's errors for a params document (a preset changed by hand).
window.previewValidate = (data) => validator.validateFormData(data, schema).errors.map((e) => e.stack);

createRoot(document.getElementById("root")).render(<App />);
window.previewReady = true;

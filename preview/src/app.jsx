// The bundle's params form as Massdriver's UI renders it: stock RJSF 6 (@rjsf/core) and the stock
// @rjsf/validator-ajv8 `validator` (RJSF's AJV_CONFIG: allErrors, multipleOfPrecision 8,
// strict: false, verbose, every ajv-formats format), the validator Massdriver's own form uses.
// Inputs (window.PREVIEW, from data.js): schema-params.json and schema-ui.json as mass bundle build
// writes them; the presets are the params schema's `examples` (each with its __name).
import { createRoot } from "react-dom/client";
import { useState } from "react";
import Form from "@rjsf/core";
import validator from "@rjsf/validator-ajv8";

const { schema, uiSchema, presets, costs } = window.PREVIEW;

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

const slug = (name) => name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
const formDataOf = (preset) => {
  const { __name, ...params } = preset;
  return params;
};

const state = (window.previewState = { errors: [], submitted: null, submits: 0, errorRuns: 0 });

function App() {
  const wanted = new URLSearchParams(window.location.search).get("preset");
  const initial = Math.max(0, presets.findIndex((p) => slug(p.__name) === wanted));
  const [index, setIndex] = useState(initial);
  const [formData, setFormData] = useState(formDataOf(presets[initial]));
  const [errors, setErrors] = useState([]);
  const preset = presets[index];
  state.preset = slug(preset.__name);
  state.formData = formData;

  const choose = (i) => {
    setIndex(i);
    setFormData(formDataOf(presets[i]));
    setErrors([]);
    state.submitted = null;
    state.errors = [];
    const url = new URL(window.location.href);
    url.searchParams.set("preset", slug(presets[i].__name));
    window.history.replaceState(null, "", url);
  };

  return (
    <main>
      <header>
        <h1>{schema.title}: params form</h1>
        <p className="lede">
          Rendered from <code>schema-params.json</code> and <code>schema-ui.json</code> (what <code>mass bundle
          build</code> writes) with stock RJSF 6 and <code>@rjsf/validator-ajv8</code>, as Massdriver's form
          renders and validates them.
        </p>
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
        key={index}
        schema={schema}
        uiSchema={uiSchema}
        validator={validator}
        fields={{ versioningDropdown: VersioningDropdown }}
        formData={formData}
        onChange={({ formData: next }) => setFormData(next)}
        onSubmit={({ formData: submitted }) => {
          state.submitted = submitted;
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

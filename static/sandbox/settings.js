// "Cluster settings": the kubelet and admission settings the chosen scenario lets a learner
// change (its `learnerSettings:`, docs/scenarios.md), named as the kubelet's configuration file
// names them and starting at the scenario's own values. `request()` is the run's `settings`
// (docs/protocol.md): every setting shown, null for "not set". The page delivers what each
// scenario offers as JSON (`cluster-settings-data`); nothing here comes from a learner's paste.

import { element } from "./dom.js";

const LABELS = { "admission.alwaysPullImages": "AlwaysPullImages admission plugin" };

// `featureGates: KubeletEnsureSecretPulledImages`, `imagePullCredentialsVerificationPolicy`, …
export function settingLabel(path) {
  if (LABELS[path]) return LABELS[path];
  const parts = path.split(".").slice(1); // the kubelet's own keys, without `kubelet.`
  return parts.length > 1 ? `${parts[0]}: ${parts.slice(1).join(".")}` : parts[0] ?? path;
}

function valueLabel(value) {
  return value === null ? "not set (the kubelet's default)" : String(value);
}

function isSwitch(setting) {
  const values = setting.values;
  return (
    values.length === 2 && values.includes(true) && values.includes(false) &&
    typeof setting.value === "boolean"
  );
}

export class ClusterSettings {
  constructor(fieldset, scenarioSelect, offered) {
    this.fieldset = fieldset;
    this.scenario = scenarioSelect;
    this.offered = offered ?? {};
    this.fields = fieldset?.querySelector(".cluster-settings-fields");
    this.controls = [];
    scenarioSelect?.addEventListener("change", () => this.show());
    this.show();
  }

  // The group on the page whose data the server rendered, or a group that offers nothing.
  static onPage(scenarioSelect) {
    const fieldset = document.getElementById("cluster-settings");
    let offered = {};
    try {
      offered = JSON.parse(document.getElementById("cluster-settings-data")?.textContent ?? "{}");
    } catch {
      offered = {}; // no settings rather than a broken page
    }
    return new ClusterSettings(fieldset, scenarioSelect, offered);
  }

  // The controls of the scenario now selected, at the scenario's own values.
  show() {
    if (!this.fieldset || !this.fields) return;
    const offered = this.offered[this.scenario?.value ?? ""] ?? [];
    this.controls = offered.map((setting, index) => this.control(setting, index));
    this.fields.replaceChildren(...this.controls.map((control) => control.row));
    this.fieldset.hidden = this.controls.length === 0;
  }

  control(setting, index) {
    const id = `cluster-setting-${index}`;
    const label = element("label", settingLabel(setting.path));
    label.htmlFor = id;
    const name = element("code", setting.path, "cluster-setting-path");
    if (isSwitch(setting)) {
      const input = document.createElement("input");
      input.type = "checkbox";
      input.id = id;
      input.checked = setting.value;
      input.dataset.setting = setting.path;
      const row = element("p", undefined, "cluster-setting cluster-setting-switch");
      row.append(input, " ", label, " ", name);
      return { path: setting.path, row, read: () => input.checked };
    }
    const select = document.createElement("select");
    select.id = id;
    select.dataset.setting = setting.path;
    for (const value of setting.values) {
      const option = element("option", valueLabel(value));
      option.value = JSON.stringify(value);
      option.selected = value === setting.value;
      select.append(option);
    }
    const row = element("p", undefined, "cluster-setting");
    row.append(label, " ", select, " ", name);
    return { path: setting.path, row, read: () => JSON.parse(select.value) };
  }

  // The run's `settings`: null when the scenario offers none.
  request() {
    if (this.controls.length === 0) return null;
    return Object.fromEntries(this.controls.map((control) => [control.path, control.read()]));
  }
}

// The page's group, made when this module loads (module scripts run once the page is parsed).
export const clusterSettings = ClusterSettings.onPage(document.getElementById("scenario"));

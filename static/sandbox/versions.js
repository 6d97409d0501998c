// The "Modelled cluster" line follows the chosen scenario (issue 12): the server writes what
// each scenario models (slug -> "Kubernetes 1.35 · containerd 2.3.4", "" for the default
// cluster's key) into #scenario-versions (lessons/versions.py), so switching to a `classic` or
// `k8s-1.37` scenario shows its versions before anything runs. An empty value is a scenario
// that does not load.

const select = document.getElementById("scenario");
const line = document.getElementById("modelled-versions");
const data = document.getElementById("scenario-versions");
const versions = data ? JSON.parse(data.textContent) : {};

function showVersions() {
  if (!select || !line || !Object.hasOwn(versions, select.value)) return;
  const text = versions[select.value];
  line.textContent = text
    ? `Modelled cluster: ${text}`
    : "Modelled cluster: unknown, this scenario does not load";
}

select?.addEventListener("change", showVersions);
showVersions();

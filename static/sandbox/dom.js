// Small DOM builders shared by the sandbox modules. Server text only ever goes in as textContent.

export function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// A <thead> with one scoped column header per name.
export function tableHead(columns) {
  const row = document.createElement("tr");
  for (const name of columns) {
    const th = element("th", name);
    th.scope = "col";
    row.append(th);
  }
  const thead = document.createElement("thead");
  thead.append(row);
  return thead;
}

// Simulated seconds as the page prints them: `3s`, `14.4s`.
export function formatSeconds(seconds) {
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
}

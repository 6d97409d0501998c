// "kubectl would create:": the objects a pasted `kubectl create secret docker-registry …` (or
// `create serviceaccount`, `patch serviceaccount`, `run`, `create deployment`, `create
// namespace`) command makes, as `accepted.created` lists
// them. The server already masked the secret values in the YAML; it is shown with textContent.

export class CreatedObjects {
  constructor(block, list) {
    this.block = block;
    this.list = list;
    this.show([]);
  }

  show(created = []) {
    this.list.replaceChildren(
      ...created.map((object) => {
        const figure = document.createElement("figure");
        figure.className = "created-object";
        const caption = document.createElement("figcaption");
        const where = object.namespace ? `${object.namespace}/${object.name}` : object.name;
        caption.textContent = `${object.kind ?? "Object"} ${where ?? ""}`;
        const yaml = document.createElement("pre");
        yaml.tabIndex = 0;
        yaml.textContent = object.yaml ?? "";
        figure.append(caption, yaml);
        return figure;
      }),
    );
    this.block.hidden = created.length === 0;
  }
}

// The lesson change form in the admin: keep the live preview under it up to date as the author
// types. The "Update preview" button posts the whole form (fields, inline challenges, CSRF
// token) to the preview view into the iframe, so it works without this script too; here we
// press it for the author, a moment after they stop typing.

const DELAY_MS = 700;

function wire(section) {
  const button = section.querySelector("[data-preview-button]");
  const form = button && button.form;
  if (!form) return;
  let timer = 0;
  const update = () => {
    window.clearTimeout(timer);
    timer = 0;
    form.requestSubmit(button);
  };
  const later = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, DELAY_MS);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  update();
}

for (const section of document.querySelectorAll("[data-lesson-preview]")) wire(section);

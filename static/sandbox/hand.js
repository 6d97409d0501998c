// Raise hand: a learner who joined a workshop (/join) asks the instructor for help, and lowers
// the hand again. The button stays hidden for anyone not in a workshop. POST /join/hand.

const box = document.getElementById("raise-hand");
const button = document.getElementById("raise-hand-button");
const status = document.getElementById("raise-hand-status");

function show(answer) {
  if (!answer || !answer.member) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  button.setAttribute("aria-pressed", answer.raised ? "true" : "false");
  button.textContent = answer.raised ? "Lower hand" : "Raise hand";
  status.textContent = answer.raised
    ? "Your hand is up: the instructor sees it on the board."
    : "";
}

async function ask(init) {
  try {
    const response = await fetch("/join/hand", { credentials: "same-origin", ...init });
    if (response.ok) show(await response.json());
    else status.textContent = "Could not reach the board; try again.";
  } catch {
    status.textContent = "Could not reach the board; try again.";
  }
}

if (box && button) {
  button.addEventListener("click", () => {
    const token = box.querySelector("input[name=csrfmiddlewaretoken]")?.value ?? "";
    const body = new URLSearchParams({ raised: button.getAttribute("aria-pressed") === "true" ? "0" : "1" });
    ask({ method: "POST", body, headers: { "X-CSRFToken": token } });
  });
  ask({ method: "GET" });
}

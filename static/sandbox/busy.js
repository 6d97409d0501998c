// Busy marks for requests that wait for the server's answer (socket.js): every element whose
// `data-busy-for` names the message type gets aria-busy="true" while one is outstanding, which
// assistive technology reads as "busy" and sandbox.css shows as work in progress. Nothing is
// disabled: a learner may type the next command; the server has its own limits.

export function showBusy(type, busy) {
  for (const element of document.querySelectorAll("[data-busy-for]")) {
    if (!element.dataset.busyFor.split(" ").includes(type)) continue;
    if (busy) element.setAttribute("aria-busy", "true");
    else element.removeAttribute("aria-busy");
  }
}

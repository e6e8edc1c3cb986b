/*
 * The console's one script (the CSP allows no inline script). It sends the ticket form of
 * the "Starting the support session" page, and the form an action waited a step-up with
 * (the resume page), by itself; both pages work without it too (their visible button). The form is sent after the page has loaded, so the browser
 * records a normal history entry: going back re-asks the server, which answers that the
 * link was already used. A copy restored from the back/forward cache is never sent again.
 */
(function () {
  'use strict';
  var form = document.querySelector('form[data-autosubmit]');
  if (!form) return;
  var sent = false;

  window.addEventListener('load', function () {
    window.setTimeout(function () {
      if (sent) return;
      sent = true;
      form.submit();
    }, 0);
  });

  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;
    // The ticket (or the action) in this restored page was spent: remove it rather than offer a replay.
    form.remove();
    var note = document.getElementById('ticket-note');
    if (note) {
      note.className = 'error';
      note.textContent = 'This support link was already used. Start a new impersonation from the console.';
    }
  });
})();

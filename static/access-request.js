/*
 * Keeps an access request's console page current (the CSP allows no inline script): polls
 * the request's small JSON state endpoint and reloads the page once the state changes,
 * so the admin sees "Approved" (and the Start button) without reloading by hand. Stops
 * polling once the request is settled or the page is hidden for long.
 */
(function () {
  'use strict';
  var el = document.getElementById('request-state');
  if (!el) return;
  var initial = el.dataset.state;
  if (initial !== 'pending') return;
  var url = el.dataset.stateUrl;
  var delay = 2000;
  var rounds = 0;

  async function poll() {
    rounds += 1;
    try {
      var res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' }, cache: 'no-store' });
      if (res.ok) {
        var data = await res.json();
        if (data.state && data.state !== initial) {
          window.location.reload();
          return;
        }
      }
    } catch (_) {
      // The network blinked: try again at the next round.
    }
    // About an hour at most (an unanswered request expires by then), slower after a while.
    if (rounds < 900) window.setTimeout(poll, rounds > 60 ? delay * 2 : delay);
  }
  window.setTimeout(poll, delay);
})();

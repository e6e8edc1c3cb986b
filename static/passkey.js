/*
 * Runs the WebAuthn ceremonies of Gatehouse's pages with SimpleWebAuthnBrowser (served at
 * /static/simplewebauthn-browser.js). The CSP allows no inline script, so a page declares
 * each ceremony on a button:
 *   data-ceremony="authenticate" | "register"
 *   data-options-url, data-verify-url: our JSON endpoints
 *   data-csrf: the CSRF token, sent as the x-csrf-token header
 *   data-mode (authenticate): "login" (any passkey) or "stepup" (the signed-in account's)
 *   data-name-input (register): id of the field holding the passkey's name
 * The server answers a verified ceremony with { redirectTo }.
 */
(function () {
  'use strict';
  var status = document.getElementById('passkey-status');
  function say(text) {
    if (status) status.textContent = text;
  }

  async function post(url, csrf, body) {
    var res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body),
    });
    var data = {};
    try {
      data = await res.json();
    } catch (_) {
      // An HTML error page: fall through to the generic message.
    }
    if (!res.ok) throw new Error(data.error_description || 'The request failed (HTTP ' + res.status + ').');
    return data;
  }

  async function run(button) {
    var d = button.dataset;
    var browser = window.SimpleWebAuthnBrowser;
    if (!browser || !browser.browserSupportsWebAuthn()) {
      say('This browser does not support passkeys.');
      return;
    }
    button.disabled = true;
    try {
      var result;
      if (d.ceremony === 'register') {
        var input = document.getElementById(d.nameInput);
        var name = input ? input.value.trim() : '';
        if (!name) {
          say('Give the passkey a name first.');
          return;
        }
        say('Follow your browser\u2019s prompt to create a passkey\u2026');
        var reg = await post(d.optionsUrl, d.csrf, {});
        var created = await browser.startRegistration({ optionsJSON: reg.options });
        result = await post(d.verifyUrl, d.csrf, { handle: reg.handle, response: created, name: name });
        say('Passkey registered.');
      } else {
        say('Follow your browser\u2019s prompt to use your passkey\u2026');
        var auth = await post(d.optionsUrl, d.csrf, { mode: d.mode });
        var asserted = await browser.startAuthentication({ optionsJSON: auth.options });
        result = await post(d.verifyUrl, d.csrf, { handle: auth.handle, response: asserted, mode: d.mode });
        say('Verified. Continuing\u2026');
      }
      window.location.assign(result.redirectTo || window.location.href);
    } catch (err) {
      var cancelled = err && (err.name === 'NotAllowedError' || err.name === 'AbortError');
      say(cancelled ? 'The passkey prompt was cancelled or timed out. Try again.' : (err && err.message) || String(err));
    } finally {
      button.disabled = false;
    }
  }

  var buttons = document.querySelectorAll('button[data-ceremony]');
  for (var i = 0; i < buttons.length; i++) {
    (function (b) {
      b.addEventListener('click', function () {
        run(b);
      });
    })(buttons[i]);
  }
})();

// Updates the impersonation banner's "ends in mm:ss" every second. The server renders the same
// value, so the page works without this file; at zero the page reloads and the kit ends the session.
(() => {
  const el = document.querySelector('[data-countdown]');
  if (!el) return;
  const end = Number(el.getAttribute('data-countdown'));
  const pad = (n) => String(n).padStart(2, '0');
  const tick = () => {
    const left = Math.max(0, Math.floor((end - Date.now()) / 1000));
    el.textContent = `${pad(Math.floor(left / 60))}:${pad(left % 60)}`;
    if (left === 0) {
      clearInterval(timer);
      setTimeout(() => location.reload(), 1500);
    }
  };
  const timer = setInterval(tick, 1000);
  tick();
})();

// Stand-in for a third-party analytics snippet. The pages include it only when nobody is
// impersonating: a support agent's clicks are not the user's behaviour.
(() => {
  const hit = { page: location.pathname, at: new Date().toISOString() };
  console.info('[demo analytics] page view', hit);
})();

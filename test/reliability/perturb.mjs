// Preloaded into one of the determinism test's children: time and randomness differ from the
// other run, so any output that depended on them would differ too.
const realNow = Date.now;
Date.now = () => realNow() + 3.7e11;
let state = 987654321;
Math.random = () => {
  state = (state * 48271) % 2147483647;
  return state / 2147483647;
};

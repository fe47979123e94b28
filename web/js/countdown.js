// A countdown to a local deadline (ms since epoch), ticking 4x a second so it never skips a second.

/**
 * @param {number} deadline ms since the epoch
 * @param {(secondsLeft: number) => void} onTick
 * @param {() => void} onDone
 * @returns {() => void} stops the countdown
 */
export function startCountdown(deadline, onTick, onDone) {
  let done = false;
  const tick = () => {
    const left = (deadline - Date.now()) / 1000;
    if (left <= 0) {
      if (!done) {
        done = true;
        clearInterval(timer);
        onTick(0);
        onDone();
      }
      return;
    }
    onTick(left);
  };
  const timer = setInterval(tick, 250);
  tick();
  return () => {
    done = true;
    clearInterval(timer);
  };
}

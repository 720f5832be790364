// Sends the token the user signed in with (kept in sessionStorage, never a cookie) on every API call, and shows
// a sign-in form when the appliance answers 401.
(function () {
  "use strict";
  const KEY = "ingesthub.token";
  const plainFetch = window.fetch.bind(window);
  let prompting = null;

  function authorization() {
    const token = sessionStorage.getItem(KEY);
    return token ? "Bearer " + token : null;
  }

  function signIn(message) {
    if (prompting) return prompting;
    prompting = new Promise(resolve => {
      const dialog = document.createElement("dialog");
      dialog.id = "login";
      dialog.innerHTML = `<form method="dialog" class="login">
        <h2>Sign in</h2>
        <p class="login-message"></p>
        <label>Access token <input type="password" name="token" autocomplete="current-password" required></label>
        <button type="submit">Sign in</button>
      </form>`;
      dialog.querySelector(".login-message").textContent = message;
      dialog.addEventListener("cancel", e => e.preventDefault());
      dialog.querySelector("form").addEventListener("submit", () => {
        sessionStorage.setItem(KEY, dialog.querySelector("input").value.trim());
        dialog.close();
        dialog.remove();
        prompting = null;
        resolve();
      });
      document.body.appendChild(dialog);
      dialog.showModal();
    });
    return prompting;
  }

  window.fetch = async function (input, init) {
    for (;;) {
      const options = Object.assign({}, init);
      const headers = new Headers(options.headers || {});
      headers.set("X-IngestHub-Dashboard", "1");
      const auth = authorization();
      if (auth) headers.set("Authorization", auth);
      options.headers = headers;
      const response = await plainFetch(input, options);
      if (response.status !== 401) return response;
      const had = auth !== null;
      sessionStorage.removeItem(KEY);
      await signIn(had ? "The token was not accepted. Enter a valid access token." : "This appliance requires an access token.");
    }
  };
})();

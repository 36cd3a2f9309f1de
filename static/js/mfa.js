// The second factor's setup page: once a security key is added, go on to the recovery codes
// (the first factor) or back to the list of factors. The library announces the result in
// its status message first.
(function () {
  "use strict";
  const section = document.getElementById("mfa-key");
  if (!section) {
    return;
  }
  section.addEventListener("otp_webauthn.register_complete", function () {
    window.location.assign(section.dataset.doneUrl);
  });
})();

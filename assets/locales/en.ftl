# English. Every key here must also be in ru.ftl.

app-title = Rate your visit to the doctor
demo-banner = DEMO — ratings are not sent to the portal

criterion-waiting-time = Waiting time in the queue
criterion-visit-result = Result of the visit
criterion-staff-attitude = Attitude of the medical staff
criterion-cleanliness = Cleanliness and order in the clinic

star-value = { $criterion }: { $value } of 5
star-unset = { $criterion }: not chosen

## Visit id errors
visit-id-empty = Enter the visit id.
visit-id-whitespace = The visit id must not contain spaces.
visit-id-forbidden-char = The visit id must not contain the character “{ $arg }”.
visit-id-dots = The visit id must not contain “..” or consist of dots only.
visit-id-control = The visit id contains a control or invisible formatting character.
visit-id-too-long = The visit id is too long: { $arg } { $arg ->
    [one] character
   *[other] characters
  }; at most 256 are allowed.

## Outcomes (CLI and GUI)
outcome-accepted = The rating was accepted. Thank you!
outcome-already-recorded = The server already has a rating for this visit.
outcome-unauthorized = The server did not accept the access token.
outcome-rejected = The server rejected the rating.
outcome-transient = Could not reach the server.
outcome-queued = The rating is saved and will be sent automatically.

server-said = Server answer: “{ $message }” (code { $message_code }, HTTP { $status })
server-said-no-model = Server answer: HTTP { $status }
no-answer = The server did not answer.
detail = Details: { $detail }

advice-already-recorded = No need to send it again: the rating is not lost.
advice-token-expired = The token has expired. Whoever administers this terminal must replace the token; then the rating can be sent again.
advice-token-invalid = The token is not valid. Whoever administers this terminal must replace the token.
advice-token-missing = The request carried no token. Whoever administers this terminal must set the token.
advice-bad-signature = The request signature is not valid. Check the token and the terminal's clock; if that does not help, contact the portal's support.
advice-rejected = Check what was entered. If the error persists, pass its text to an administrator.
advice-transient = Check the network connection and try again later. Everything entered is kept.
advice-transient-not-saved = Check the network connection and try again later. The rating was not saved anywhere: run the command again, or send it with --queue to have it saved and sent by itself once the server answers.

## Input errors (CLI)
error-scores = Give four scores from 1 to 5 separated by commas, for example 5,4,5,5.
error-no-url = No server URL: pass --url, set VISIT_RATING_URL, or set server_url in the settings file.
error-notes-too-long = The remarks are too long: { $chars } { $chars ->
    [one] character
   *[other] characters
  }; at most { $max } are allowed.
error-input = Error: { $error }
# The window without a display (exit code 8): what to use instead.
error-no-display = No display to open the window on: neither DISPLAY nor WAYLAND_DISPLAY is set. Without a window, the command visit-rating submit sends a rating (help: visit-rating submit --help); to open the window on a virtual display: xvfb-run visit-rating
error-display-unavailable = Cannot open the window on the display: { $detail }. Without a window, the command visit-rating submit sends a rating (help: visit-rating submit --help); to open the window on a virtual display: xvfb-run visit-rating

## Window
settings-open = Settings
visit-id-label = Visit id
visit-id-hint = Scan or type the visit id
visit-id-hint-clinic = Scan or type the visit GUID (the clinic GUID is added automatically)
star-short = { $value } of 5
notes-label = Wishes and remarks for the head of the clinic
notes-hint = Optional
notes-counter = { $count } / { $max }
# Under a field that holds as many characters as it may: typing and pasting stop there.
input-limit-reached = Nothing more can be entered: at most { $max } { $max ->
    [one] character
   *[other] characters
  }.
didnt-visit = I did not visit this clinic that day
submit = Send rating
submitting = Sending…
hint-rate = Still to rate: { $list }.
hint-ready = All filled in. Ctrl+Enter sends.
not-sent = The rating was not sent.
retry = Try again
replace-token = Replace token
new-rating = New rating
thanks-title = Thank you! The rating was accepted.
thanks-body = Your opinion helps make the clinic better.
setup-title = Terminal setup
setup-intro = Enter the portal server's address. Whoever administers this terminal changes these settings.
setup-server-url = Server address (URL)
setup-demo-url = In demo mode ratings go to the built-in test server.
setup-clinic-guid = Clinic GUID (optional)
setup-clinic-invalid = The clinic GUID contains characters that are not allowed.
setup-language = Interface language
setup-save = Save
setup-back = Back to the form
setup-url-required = Enter the server address.

## Kiosk
thanks-saved-title = Thank you! Your rating is saved.
kiosk-reset-in = This screen resets in { $seconds } { $seconds ->
    [one] second
   *[other] seconds
  }.
kiosk-ready-title = Please rate your visit to the doctor
kiosk-ready-body = Scan the barcode on your ticket or type the visit id.
kiosk-start = Start
kiosk-ready-body-keypad = Scan the barcode on your ticket or tap the visit id from your ticket on the keys below — the dashes appear by themselves.
kiosk-keypad-clear = Clear
kiosk-keypad-left = { $count } { $count ->
    [one] digit
   *[other] digits
  } left to tap.
kiosk-keypad-done = Press “Start”.
kiosk-hint-ready = All filled in.
kiosk-already-rated = This visit has already been rated.
kiosk-not-sent = The rating could not be sent.
kiosk-not-sent-body = Please ask a member of the reception staff.
kiosk-done = Done
kiosk-needs-attention = (!) This terminal needs staff attention
kiosk-admin-corner = Administrator sign-in (hold for 3 seconds)
kiosk-admin-title = Terminal administration
kiosk-leave = Leave kiosk mode
kiosk-close-app = Close the program
kiosk-back-to-patients = Back to patients
kiosk-idle-title = Are you still there?
kiosk-idle-body = The form will be cleared in { $seconds } { $seconds ->
    [one] second
   *[other] seconds
  } so that the next patient does not see your answers.
kiosk-idle-continue = Continue
kiosk-pin-title = Administrator sign-in
kiosk-pin-label = PIN
kiosk-pin-enter = Sign in
kiosk-pin-cancel = Cancel
kiosk-pin-wrong = Wrong PIN. Attempts left: { $left }.
kiosk-pin-locked = Too many wrong attempts. Try again in { $seconds } s.
kiosk-pin-not-configured = No administrator PIN is set. Set one with “visit-rating admin-pin set”.
osk-shift = Shift
osk-space = Space
osk-backspace = Delete
osk-layout = Switch layout
osk-hide = Hide
kiosk-visit = Visit: { $id }
kiosk-start-over = Start over
kiosk-text-larger = Larger text
kiosk-text-smaller = Smaller text
kiosk-contrast-short = Contrast
kiosk-high-contrast = High contrast
kiosk-language-switch = Язык: русский

## Token
secrets-no-token = No token is stored for { $origin }. Store one with “visit-rating token set --url { $origin }” or in the settings (VISIT_RATING_TOKEN exists for automation).
secrets-no-service = No keyring service is running ({ $detail }). On a Linux desktop, log in to a graphical session (GNOME Keyring or KWallet start with it); on a headless kiosk, run the program inside “dbus-run-session” after “gnome-keyring-daemon --unlock”. For automation, set VISIT_RATING_TOKEN instead.
secrets-locked = The keyring is locked ({ $detail }). Unlock it: log in to the desktop session (or unlock the keyring in “Passwords and Keys”); on a headless kiosk, run “gnome-keyring-daemon --unlock” in the same D-Bus session; on macOS, “security unlock-keychain”. Then try again. For automation, set VISIT_RATING_TOKEN instead.
secrets-denied = Access to the keyring was denied ({ $detail }). Allow visit-rating to use it when the system asks (do not dismiss the prompt), or ask whoever administers this computer to allow it.
secrets-bad-token = The token is not usable: { $detail }.
secrets-corrupt = The keyring entry for { $origin } is damaged: store the token again.
secrets-other = The keyring failed: { $detail }
token-stored = The token for { $origin } is stored in the keyring.
token-cleared = The token for { $origin } was removed.
token-nothing-to-clear = No token was stored for { $origin }.
token-status-env = { $origin } uses the token from VISIT_RATING_TOKEN.
token-status-keyring = The token for { $origin } is kept in: { $store }.
token-status-none = No token is stored for { $origin }.
token-status-expires = The token is valid until { $when }.
token-status-expired = The token expired on { $when }.
token-title = Portal access token
token-demo = In demo mode the built-in server's test token is used.
token-new = New token (kept only in the system's keyring)
token-save = Save token
token-clear = Remove token
token-saved-gui = The token is saved. The rating can be sent again.
token-cleared-gui = The token was removed.
token-from-file-gui = To replace the token, write the new one into that file (owned by root or the program's user, chmod 600): the program reads it at its next attempt, no restart needed. The keyring is not used for it.
token-from-credential-gui = To replace the token, write the new one into the file named in the systemd unit's LoadCredential= and restart the service. The keyring is not used for it.
secrets-bad-env-token = VISIT_RATING_TOKEN is set but is not a usable token: { $detail }. Correct it, or unset it to use the token in the keyring.
secrets-too-long = The keyring refused the token: it takes at most { $limit } bytes. Ask the portal for a shorter token, or set VISIT_RATING_TOKEN.
token-format-empty = the token is empty
token-format-whitespace = it contains spaces or line breaks; paste it again without them
token-format-control = it contains control characters
token-format-non-ascii = it contains characters other than Latin letters, digits and punctuation, which an HTTP header cannot carry
token-format-too-long = it is { $bytes } bytes long; at most { $max } can be stored
token-prompt = Token (not shown while you type):
secrets-token-file-refused = The token file { $path } (the token_file setting) is refused: { $problem }. Fix the file: owned by root or by the user the program runs as, readable by its owner alone (chmod 600), holding the token alone.
secrets-credential-refused = The systemd credential { $path } is refused: { $problem }. Fix the file named in the unit's LoadCredential= and restart the service.
token-file-not-absolute = the path must be absolute (e.g. /etc/visit-rating/token)
token-file-missing = there is no such file
token-file-unreadable = it cannot be read ({ $detail })
token-file-not-a-file = it is not a regular file
token-file-owner = it is owned by user id { $owner }; only root (0) or the program's user ({ $user }) may own it
token-file-mode = its mode { $mode } lets group or others read or change it; allow its owner alone (chmod 600)
token-file-too-large = it is { $bytes } bytes long, and a token file is never longer than { $max } bytes
token-file-unsupported = token files are supported on Linux only
token-status-file = { $origin } uses the token from the file { $path } (the token_file setting).
token-status-credential = { $origin } uses the token from the systemd credential { $path }.
token-set-from-file = The token for { $origin } comes from the file { $path } (the token_file setting), not from the keyring: “token set” would not replace it. Write the new token into that file (owned by root or the program's user, chmod 600), best by replacing the whole file (mv); the program reads it at its next attempt, no restart needed.
token-set-from-credential = The token for { $origin } is passed by systemd (the credential { $path }), not kept in the keyring: “token set” would not replace it. Write the new token into the file named in the unit's LoadCredential= and restart the service (systemctl restart).

## Outbox (window)
saved-without-token = The rating is saved and will be sent once a token is set.
saved-will-be-sent = The rating is saved and will be sent automatically.
not-saved-advice = The rating could not be saved on disk. It is still in the form: free some disk space or ask an administrator.
outbox-waiting = { $count } { $count ->
    [one] rating waits
   *[other] ratings wait
  }
outbox-attention = need attention: { $count }
outbox-paused = sending paused: a new token is needed
outbox-last-error = last error: { $error }
# Why the background sender could not even start sending; $reason is in words already.
sender-cannot-send = Cannot send: { $reason }
sender-no-url = no server URL is set. Enter it in the settings.
outbox-send-now = Send now
outbox-open = Queue
outbox-title = Sending queue
outbox-empty = The queue is empty: every rating was sent.
outbox-damaged-count = damaged files: { $count }
outbox-damaged-title = Damaged files: { $count }
outbox-damaged-intro = These queue files could not be read. They are neither sent nor removed automatically: hand them to an administrator. Folder: { $folder }
outbox-damaged-file = { $name } — { $days ->
    [0] written less than a day ago
    [one] written { $days } day ago
   *[other] written { $days } days ago
}
outbox-refresh = Refresh
outbox-export = Export to JSON
outbox-exported = Ratings exported: { $count }. File: { $path }
outbox-state-waiting = waiting
outbox-state-attention = needs attention
outbox-entry-meta = Saved { $created }, attempts: { $attempts }
outbox-delete = Delete
outbox-delete-confirm = Really delete?
outbox-deleted = The rating was removed from the queue.
kiosk-outbox = Sending queue
## Outbox CLI
outbox-not-saved = The rating was NOT saved and not sent: { $error }
outbox-kept-transient = The rating is saved in the outbox; send it later with “visit-rating outbox flush” (the window sends it by itself).
outbox-kept-token = The rating is saved in the outbox and will be sent once the token is replaced (“visit-rating outbox flush”).
outbox-kept-attention = The rating is kept in the outbox as needing attention: the server refused it, and it is not sent again automatically. See “visit-rating outbox list”.
outbox-error = The outbox cannot be used: { $error }
outbox-damaged = A damaged outbox file was set aside: { $path }. The other ratings are still sent; pass this file to an administrator.
cli-outbox-state-waiting = waiting
outbox-state-needs-attention = needs attention
outbox-never-sent = not sent yet
outbox-list-line = { $id }  { $visit_id }  { $state }, { $attempts } { $attempts ->
    [one] attempt
   *[other] attempts
  }: { $last }
outbox-summary = { $waiting } { $waiting ->
    [one] rating waits
   *[other] ratings wait
  } to be sent, { $attention } { $attention ->
    [one] needs
   *[other] need
  } attention.
outbox-flush-line = { $visit_id }: { $result }
cli-outbox-paused = Sending is paused until the token is replaced; the ratings are kept in the outbox.
outbox-nothing = Nothing to send.
outbox-flush-summary = { $delivered } { $delivered ->
    [one] rating
   *[other] ratings
  } delivered; { $waiting } waiting, { $attention } { $attention ->
    [one] needs
   *[other] need
  } attention.
cli-outbox-exported = { $count } { $count ->
    [one] rating
   *[other] ratings
  } written to { $path }. The file holds patients' remarks (personal data): keep it somewhere safe.

## Importing paper forms (visit-rating import, the window's "Import from file…")
import-column-visit-id = Visit id
import-column-notes = Remarks
import-column-didnt-visit = Did not visit
import-error-missing-columns = The file has no column for: { $missing }. The header row has: { $found }. Name the columns as the documentation says (chapter "Importing paper forms") or give their order with --columns.
import-error-duplicate-column = The file has two columns for "{ $column }": "{ $first }" and "{ $second }". Keep one.
import-error-no-sheet = The workbook has no sheet "{ $sheet }". Its sheets: { $sheets }.
import-error-empty = The file holds no rows.
import-error-not-text = This is neither a CSV text file nor a spreadsheet this program reads (XLSX, XLS, ODS).
import-error-file = The file was not read: { $error }
import-error-encoding = Unknown encoding "{ $encoding }". For example: utf-8, windows-1251.
import-problem-duplicate = the same visit is also in row { $rows }{ $more ->
    [0] {""}
    [one] {" "}and { $more } more row
   *[other] {" "}and { $more } more rows
  }
import-error-too-big = The file was not accepted: { $what } is { $found }, and at most { $max } is allowed. Nothing past that was read, nothing was sent (the import's limits are in the documentation, chapter "Importing paper forms", Limits).
import-limit-file-bytes = the file's size
import-limit-rows = the rows of the used range of sheet { $part }
import-limit-columns = the columns of the used range of sheet { $part }
import-limit-cells = the cells of the used range of sheet { $part } (rows × columns)
import-limit-shared-strings = the number of shared strings (sharedStrings)
import-limit-part-bytes = the uncompressed size of part { $part }
import-limit-total-bytes = the uncompressed size of all the file's parts
import-limit-ratio = the compression ratio of part { $part }
import-limit-zip-entries = the number of parts in the archive
import-limit-csv-rows = the number of rows of the CSV file
import-limit-row-bytes = the length of row { $row } (a quote not closed?)
import-limit-repeated-rows = the number of rows whose visit is also in another row
import-size-mib = { $mib } MiB
import-size-ratio = { $ratio } : 1
import-error-encoding-unsure = The file's encoding cannot be told for sure: byte { $offset } (row { $row }) { $rest ->
    [utf8] is not UTF-8, though the rest of the file is UTF-8
   *[cp1251] looks like UTF-8, though the rest of the file is Windows-1251
  }. Nothing was sent, so that no remark reaches the portal garbled. Save the file as UTF-8 or give its encoding: visit-rating import --encoding utf-8 (or --encoding windows-1251).
import-error-undecodable = Byte { $offset } (row { $row }) is not { $encoding } text. Nothing was sent. Save the file as UTF-8 or give its right encoding: visit-rating import --encoding …
import-error-changed = The file changed while it was being imported. Open it again.
import-problem-score-missing = no score given
import-problem-score-not-number = "{ $value }" is not a number; a score is 1 to 5
import-problem-score-not-whole = "{ $value }" is not a whole number; a score is 1 to 5
import-problem-score-range = "{ $value }": a score must be 1 to 5
import-problem-not-yes-no = "{ $value }": expected yes/no (да/нет, 1/0, x or empty)
import-problem-cell-error = the cell holds the spreadsheet error { $value }
import-cell-problem = "{ $column }" ({ $letter }): { $problem }
import-row-problems = Row { $row }: { $problems }
import-row-outcome = Row { $row } ({ $visit_id }): { $result }
import-row-valid = The row is fine (checked, not sent).
import-row-blocked = Not sent: other rows of the file have errors.
import-row-already-delivered = Delivered earlier (the sent log says so); not sent again.
import-row-stopped = Not sent: the import was stopped. The rating is kept in the outbox.
import-row-paused-token = Not sent: a token problem. The rating is kept in the outbox.
import-row-unreachable = Not sent: the server does not answer. The rating is kept in the outbox.
import-row-paused-refused = Not sent: the server or a gateway refused the request. The rating is kept in the outbox.
import-row-in-flight = Not sent now: another sender (the window, outbox flush) has this rating; it is left to it and kept in the outbox until delivered.
import-report-row = Row
import-report-visit-id = Visit id
import-report-outcome = Outcome
import-report-text = Description
import-report-http-status = HTTP
import-report-code = Code
import-report-message = Server message
import-report-message-code = Message code
import-report-detail = Details
import-blocked = { $invalid } { $invalid ->
    [one] row has
   *[other] rows have
  } errors: nothing was sent. Correct the file, or add --skip-invalid to send the others.
import-nothing-saved = Nothing was saved or sent.
import-stopping = Stopping after the current request… (Ctrl+C again to quit at once)
import-spool-error = The list of saved rows (a temporary file) could not be written or read: { $error }. The rows saved so far stay in the outbox.
import-stopped = The import was stopped. The ratings not sent are kept in the outbox; running the same file again sends only those.
import-report-failed = The report was not written to { $path }: { $error }
import-summary = Rows: { $rows }; delivered: { $delivered } (earlier: { $earlier }); waiting: { $waiting }; rejected by the server: { $rejected }; with errors: { $invalid }.
import-summary-dry-run = Checked, nothing sent. Rows: { $rows }; fine: { $valid }; with errors: { $invalid }.
import-summary-blocked = Rows: { $rows }; fine: { $valid }; with errors: { $invalid }. Nothing was sent.
import-rerun = The remaining ratings are kept in the outbox: the window sends them, or "visit-rating outbox flush", or running the import again.
import-progress-saving = Saving
import-progress-sending = Sending
import-progress-line = Sent { $done } of { $total }, { $left } left, { $rate } per second
import-open-screen = Import from file…
import-title = Import paper forms from a file
import-path-label = Path to the file
import-path-hint = e.g. /home/admin/forms.xlsx
import-open = Open
import-choose = Choose file…
import-choosing = The file dialog is open…
import-dialog-title = File of paper forms
import-dialog-filter = Forms: XLSX, XLS, ODS, CSV
import-dialog-all-files = All files
import-dialog-unavailable = The file dialog is not available — type the path to the file.
import-drop-hint = A file can also be dropped on the window.
import-dropped-several = Files dropped: { $count }. Only the first is read: { $name }.
import-drop-busy = The file "{ $name }" was not opened: the program is still busy with another file. Drop it again once it is done.
import-formats = XLSX, XLS, ODS (the first sheet) or CSV (; or , — UTF-8 or Windows-1251). Columns: visit, the four scores, remarks, "did not visit" — see the documentation, chapter "Importing paper forms".
import-reading = Reading the file…
import-preview-counts = Rows: { $rows }; fine: { $valid }; with errors: { $invalid }.
import-preview-more = …and { $count } more { $count ->
    [one] row
   *[other] rows
  }: the table shows the first { $shown }; all of them are checked and will be sent.
import-preview-problems = Problems
import-preview-ok = fine
import-send = Send the rows without errors: { $count }
import-stop = Stop
import-back = Back
import-report-path = Where to save the report
import-save-report = Save report
import-report-saved = Report saved: { $path }
import-more-problems = …and { $count } more { $count ->
    [one] row
   *[other] rows
  } with errors (all of them in the report).
## Odd answers, the delete rule, entries for another server
outcome-refused = The server or a gateway in front of it refused the request.
advice-refused = The rating is kept. The answer came not from the portal but apparently from a proxy or firewall in front of it: whoever administers this terminal must check the access to the server (address, proxy, permissions).
outbox-kept-refused = The rating is saved in the outbox and will be sent once the server accepts requests again (“visit-rating outbox flush”).
cli-outbox-refused = Sending stopped: the server or a gateway refused the request; the ratings are kept in the outbox.
outbox-kept-attention-desk = The rating is kept in the queue as needing attention. A corrected rating for the same visit replaces it; if you corrected the visit id, mark it as replaced in the “Queue” or discard it.
outbox-other-server = for another server: { $count }
outbox-state-other-server = saved for another server: { $origin }
outbox-move-here = Send to the current server ({ $count })
outbox-move-confirm = Really send them to { $origin }?
outbox-moved = Moved to the current server: { $count }
outbox-mark-replaced = Replaced by another rating
outbox-mark-replaced-confirm = Really mark it as replaced?
outbox-marked-replaced = The rating was marked as replaced and removed from the queue.
outbox-in-flight = This rating is being sent right now; try again in a few seconds.
cli-outbox-state-other-server = for another server ({ $origin })
cli-outbox-other-server = Saved for another server and not sent: { $count }. “visit-rating outbox flush --to-current-server” sends them to the current server.
cli-outbox-moved = Moved to the current server ({ $origin }): { $count }
cli-outbox-in-flight = Another process is sending these right now: { $count }; it will finish on its own.
kiosk-unconfigured-title = Terminal not configured
kiosk-unconfigured-body = Please call a member of staff.
kiosk-unconfigured-no-pin = For staff: no administrator PIN is set, so the terminal cannot be configured from the screen. Set one with “visit-rating admin-pin set” as the terminal's user; the terminal notices it by itself.
kiosk-unconfigured-no-url = For staff: no server address is set. Hold the top-left corner for 3 seconds, enter the PIN and open the settings.
kiosk-unconfigured-no-token = For staff: no token is stored for the server. Hold the top-left corner for 3 seconds, enter the PIN and store the token in the settings.
token-env-withheld = The token from VISIT_RATING_TOKEN is meant only for the server given at start and is not sent to this one. Store a token for this server below.
kiosk-admin-short-pin = The PIN is shorter than 6 digits. Replace it: “visit-rating admin-pin set”.
kiosk-admin-settings-exposed = Other users can read the settings file { $path } (it holds the PIN's hash). Run: chmod 600 { $path }
clear-text-banner = Unencrypted connection: the token and the ratings cross the network in clear text (allow_insecure_http)
warning-clear-text = warning: allow_insecure_http is on — the token and the ratings may be sent over http:// to another machine unencrypted.
## visit-rating status
status-headline = visit-rating { $version }: { $state } (exit code { $code })
status-state-healthy = healthy
status-state-warning = working, but needs a look soon
status-state-broken = ratings cannot be delivered until someone acts
status-state-could-not-check = could not be checked
status-server = Server: { $origin }
status-server-none = Server: not configured
status-token-keyring = in the keyring
status-token-env = from VISIT_RATING_TOKEN
status-token-credential = from the systemd credential
status-token-file = from the file named by token_file
status-token-until = Token: { $source }, valid until { $when } ({ $days } { $days ->
    [one] day
   *[other] days
  } left)
status-token-no-expiry = Token: { $source } (no expiry date in it)
status-token-none = Token: none
status-token-unreadable = Token: cannot be checked: { $error }
status-outbox = Outbox: { $pending } waiting, { $attention } need attention, { $damaged } damaged
status-outbox-oldest = the oldest waits since { $when }
status-outbox-unreadable = Outbox: cannot be read: { $error }
status-last-attempt = Last delivery attempt: { $when }, { $outcome }
status-last-attempt-never = Last delivery attempt: none yet
status-last-success = Last success: { $when }
status-last-success-never = Last success: none yet
status-kiosk-on = Kiosk mode: on
status-kiosk-off = Kiosk mode: off
status-problem-no-url = No server URL: set server_url in the settings, or VISIT_RATING_URL.
status-problem-no-token = No token for the server: visit-rating token set.
status-problem-token-expired = The token has expired: replace it (visit-rating token set).
status-problem-token-expires-soon = The token expires in { $value } { $value ->
    [one] day
   *[other] days
  }: replace it soon.
status-problem-token-refused = The server refused the token; ratings wait for a new one (visit-rating token set).
status-problem-gateway-refused = A gateway in front of the server (a proxy, a firewall) refused the request, not the server; ratings wait. Check the terminal's network.
status-problem-token-unreadable = The keyring could not be read, so the token was not checked.
status-problem-outbox-unreadable = The outbox folder could not be read.
status-problem-oldest-pending-over-1h = A rating has been waiting for more than an hour: check the network and the server.
status-problem-needs-attention = Ratings need attention: { $value } (visit-rating outbox list).
status-problem-damaged-files = Damaged outbox files set aside in outbox/damaged/: { $value }.
status-problem-counters-damaged = The delivery counters are damaged; they start again from zero at the next delivery.
status-problem-counters-unreadable = The delivery counters (metrics.json in the data folder) cannot be read.
metrics-no-file = visit-rating: --write-file needs metrics_file in the settings (see "Operating many terminals").
metrics-cannot-write = visit-rating: cannot write the metrics file { $path }: { $error }

## The window's warning ahead of the token's expiry
token-expires-in = The access token expires in { $days } { $days ->
    [one] day
   *[other] days
  }: replace it in the settings
token-expired-line = The access token has expired: replace it in the settings

## Why the outbox or the HTTP client could not be used (advice for people; the program's
## own English texts stay short).
outbox-disk-full = The disk is full: { $path } cannot be written. Free some disk space and try again.
outbox-read-only = The folder { $path } is read-only ({ $error }). Make it writable.
outbox-io = The outbox at { $path } cannot be used: { $error }
outbox-not-found = Rating { $id } is not in the outbox: it was sent or removed meanwhile.
client-bad-url = The server address { $url } is not valid: { $reason }
client-insecure = The token will not be sent in clear text to { $host }: use an https:// address or, if you accept the risk, allow_insecure_http = true in the settings (or --allow-insecure-http).
client-ca-file = Cannot use the CA file { $path }: { $reason }
client-build = Cannot set up the HTTP client: { $error }

## visit-rating config, and the settings files
config-origin-default = default
config-origin-system = machine file
config-origin-drop-in = machine drop-in
config-origin-user = user file
config-origin-environment = environment (VISIT_RATING_URL)
config-path-missing = (missing)
config-unknown-key = { $file }: unknown setting “{ $key }” ignored (written for a newer version?)
config-kind-text = text
config-kind-path = a file's path
config-kind-bool = true or false
config-kind-whole = a whole number
config-kind-decimal = a number
config-kind-language = ru or en
config-set-done = { $key } = { $value } written to { $file }. A running window applies it within seconds.
config-set-unknown = Unknown setting “{ $key }”: nothing was written. “visit-rating config show” lists them all.
config-set-own-command = { $key } is set with “visit-rating admin-pin set”, never by hand: nothing was written.
config-set-kind = { $key }: expected { $expected }, not “{ $value }”: nothing was written.
config-set-invalid = { $detail }: nothing was written.
config-set-overridden = { $key } is also set in { $file }, which is read later and wins.

## visit-rating admin-pin check (the PIN is never repeated in these)
admin-pin-check-match = The PIN matches the administrator PIN in force.
admin-pin-check-mismatch = The PIN does not match the administrator PIN in force.
admin-pin-check-none = No administrator PIN is set. Set one with “visit-rating admin-pin set”.
admin-pin-check-not-a-pin = What standard input holds is not a PIN (one line of at most 12 digits, 0-9): nothing was compared.
admin-pin-check-unreadable = Cannot read the PIN from standard input: { $detail }
admin-pin-check-prompt = Administrator PIN (not shown while you type):

## visit-rating admin-pin set and clear (the PIN is never repeated in these)
admin-pin-set-prompt = New administrator PIN (6-12 digits, not shown while you type):
admin-pin-set-repeat = Repeat the PIN:
admin-pin-set-differ = The two PINs differ; nothing was changed.
admin-pin-set-format = The PIN must be 6 to 12 digits (0-9); nothing was changed.
admin-pin-set-hash-failed = Cannot hash the PIN; nothing was changed.
admin-pin-set-unreadable-terminal = Cannot read the PIN from the terminal: { $detail }
admin-pin-stored = The administrator PIN is stored as an Argon2id hash in { $path }.
admin-pin-removed = The administrator PIN is removed from { $path }.
admin-pin-settings-unreadable = Cannot read the settings file { $path }: { $detail }. The PIN was not changed.
admin-pin-settings-invalid = The settings file { $path } is invalid: { $detail }. The PIN was not changed: mend the file and try again.
admin-pin-settings-unwritable = Cannot save the settings file { $path }: { $detail }. The PIN was not changed.

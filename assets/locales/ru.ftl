# Russian, the default language. Every key here must also be in en.ftl.

app-title = Оценка посещения врача
demo-banner = ДЕМО — оценки не отправляются на портал

criterion-waiting-time = Время ожидания в очереди
criterion-visit-result = Результат посещения врача
criterion-staff-attitude = Отношение медицинского персонала
criterion-cleanliness = Чистота и порядок в поликлинике

# Accessible description of a star row, e.g. "Время ожидания в очереди: 4 из 5".
star-value = { $criterion }: { $value } из 5
star-unset = { $criterion }: не выбрано

## Visit id errors
visit-id-empty = Введите идентификатор посещения.
visit-id-whitespace = Идентификатор посещения не должен содержать пробелов.
visit-id-forbidden-char = Идентификатор посещения не должен содержать символ «{ $arg }».
visit-id-dots = Идентификатор посещения не должен содержать «..» или состоять из точек.
visit-id-control = Идентификатор посещения содержит управляющий символ.
visit-id-too-long = Идентификатор посещения слишком длинный: { $arg } { $arg ->
    [one] символ
    [few] символа
   *[many] символов
  }, допускается не более 256.

## Outcomes (CLI and GUI)
outcome-accepted = Оценка принята. Спасибо!
outcome-already-recorded = Оценка этого посещения уже есть на сервере.
outcome-unauthorized = Сервер не принял токен доступа.
outcome-rejected = Сервер отклонил оценку.
outcome-transient = Не удалось связаться с сервером.
outcome-queued = Оценка сохранена и будет отправлена автоматически.

server-said = Ответ сервера: «{ $message }» (код { $message_code }, HTTP { $status })
server-said-no-model = Ответ сервера: HTTP { $status }
no-answer = Сервер не ответил.
detail = Подробности: { $detail }

advice-already-recorded = Повторно отправлять не нужно: оценка не потеряна.
advice-token-expired = Срок действия токена истёк. Администратору терминала нужно заменить токен, после чего оценку можно отправить повторно.
advice-token-invalid = Токен недействителен. Администратору терминала нужно заменить токен.
advice-token-missing = Запрос ушёл без токена. Администратору терминала нужно задать токен.
advice-bad-signature = Подпись запроса некорректна. Проверьте токен и часы терминала; если не поможет, обратитесь в поддержку портала.
advice-rejected = Проверьте введённые данные. Если ошибка повторяется, передайте её текст администратору.
advice-transient = Проверьте подключение к сети и повторите попытку позже. Введённые данные сохранены.

## Input errors (CLI)
error-scores = Укажите четыре оценки от 1 до 5 через запятую, например 5,4,5,5.
error-no-url = Не задан адрес сервера: укажите --url, переменную VISIT_RATING_URL или server_url в файле настроек.
error-no-token = Токен не задан: сохраните его командой «visit-rating token set» или задайте переменную VISIT_RATING_TOKEN.
error-notes-too-long = Замечания слишком длинные: { $chars } { $chars ->
    [one] символ
    [few] символа
   *[many] символов
  }, допускается не более { $max }.
error-input = Ошибка: { $error }

## Window
settings-open = Настройки
visit-id-label = Идентификатор посещения
visit-id-hint = Отсканируйте или введите идентификатор посещения
visit-id-hint-clinic = Отсканируйте или введите GUID посещения (GUID клиники добавится сам)
star-short = { $value } из 5
notes-label = Пожелания и замечания для руководителя медицинского учреждения
notes-hint = Необязательно
notes-counter = { $count } / { $max }
didnt-visit = Я не посещал(а) это учреждение в этот день
submit = Отправить оценку
submitting = Отправка…
hint-rate = Осталось оценить: { $list }.
hint-ready = Всё заполнено. Ctrl+Enter — отправить.
not-sent = Оценка не отправлена.
retry = Повторить отправку
replace-token = Заменить токен
new-rating = Новая оценка
thanks-title = Спасибо! Оценка принята.
thanks-body = Ваше мнение поможет сделать поликлинику лучше.
setup-title = Настройка терминала
setup-intro = Укажите адрес сервера портала. Эти настройки меняет администратор терминала.
setup-server-url = Адрес сервера (URL)
setup-demo-url = В демо-режиме оценки уходят на встроенный тестовый сервер.
setup-clinic-guid = GUID медицинского учреждения (необязательно)
setup-clinic-invalid = GUID учреждения содержит недопустимые символы.
setup-language = Язык интерфейса
setup-save = Сохранить
setup-back = Назад к форме
setup-url-required = Укажите адрес сервера.

## Kiosk
thanks-saved-title = Спасибо! Ваша оценка сохранена.
kiosk-reset-in = Экран обновится через { $seconds } { $seconds ->
    [one] секунду
    [few] секунды
   *[many] секунд
  }.
kiosk-ready-title = Оцените, пожалуйста, посещение врача
kiosk-ready-body = Отсканируйте штрихкод талона или введите идентификатор посещения.
kiosk-start = Начать
kiosk-already-rated = Это посещение уже оценено.
kiosk-not-sent = Не удалось отправить оценку.
kiosk-not-sent-body = Пожалуйста, обратитесь к сотруднику регистратуры.
kiosk-done = Готово
kiosk-needs-attention = (!) Терминал требует внимания персонала
kiosk-admin-corner = Вход для администратора (удерживайте 3 секунды)
kiosk-admin-title = Администрирование терминала
kiosk-leave = Выйти из режима киоска
kiosk-close-app = Закрыть программу
kiosk-back-to-patients = Вернуться к приёму оценок
kiosk-idle-title = Вы ещё здесь?
kiosk-idle-body = Форма будет очищена через { $seconds } { $seconds ->
    [one] секунду
    [few] секунды
   *[many] секунд
  }, чтобы следующий пациент не увидел ваших ответов.
kiosk-idle-continue = Продолжить
kiosk-pin-title = Вход для администратора
kiosk-pin-label = PIN-код
kiosk-pin-enter = Войти
kiosk-pin-cancel = Отмена
kiosk-pin-wrong = Неверный PIN-код. Осталось попыток: { $left }.
kiosk-pin-locked = Слишком много неверных попыток. Повторите через { $seconds } с.
kiosk-pin-not-configured = PIN-код администратора не задан. Задайте его командой «visit-rating admin-pin set».
osk-shift = Заглавные
osk-space = Пробел
osk-backspace = Стереть
osk-layout = Сменить раскладку
kiosk-visit = Посещение: { $id }
kiosk-start-over = Начать заново

## Token
secrets-no-token = Для сервера { $origin } токен не сохранён. Сохраните его командой «visit-rating token set --url { $origin }» или в настройках (для автоматизации есть переменная VISIT_RATING_TOKEN).
secrets-no-service = Служба хранения паролей (Secret Service) не запущена ({ $detail }). На рабочем столе Linux войдите в графический сеанс (GNOME Keyring или KWallet запускаются вместе с ним); на киоске без рабочего стола запускайте программу внутри «dbus-run-session» после «gnome-keyring-daemon --unlock». Для автоматизации вместо этого задайте переменную VISIT_RATING_TOKEN.
secrets-locked = Хранилище паролей заблокировано ({ $detail }). Разблокируйте его: войдите в сеанс рабочего стола (или разблокируйте связку ключей в «Пароли и ключи»); на киоске без рабочего стола выполните «gnome-keyring-daemon --unlock» в том же сеансе D-Bus; в macOS — «security unlock-keychain». Затем повторите. Для автоматизации вместо этого задайте переменную VISIT_RATING_TOKEN.
secrets-denied = Доступ к хранилищу паролей запрещён ({ $detail }). Разрешите visit-rating доступ, когда система спросит (не закрывайте запрос), или попросите администратора компьютера разрешить его.
secrets-bad-token = Токен не подходит: { $detail }.
secrets-corrupt = Запись для { $origin } в хранилище паролей повреждена: сохраните токен заново.
secrets-other = Ошибка хранилища паролей: { $detail }
token-stored = Токен для { $origin } сохранён в хранилище паролей.
token-cleared = Токен для { $origin } удалён.
token-nothing-to-clear = Для { $origin } токен не был сохранён.
token-status-env = Для { $origin } используется токен из переменной VISIT_RATING_TOKEN.
token-status-keyring = Токен для { $origin } хранится в: { $store }.
token-status-none = Для { $origin } токен не сохранён.
token-status-expires = Срок действия токена — до { $when }.
token-status-expired = Срок действия токена истёк { $when }.
token-title = Токен доступа к порталу
token-demo = В демо-режиме используется тестовый токен встроенного сервера.
token-new = Новый токен (хранится только в хранилище паролей системы)
token-save = Сохранить токен
token-clear = Удалить токен
token-saved-gui = Токен сохранён. Оценку можно отправить повторно.
token-cleared-gui = Токен удалён.
secrets-bad-env-token = Переменная VISIT_RATING_TOKEN задана, но токен в ней не подходит: { $detail }. Исправьте её или удалите, чтобы использовался токен из хранилища паролей.
secrets-too-long = Хранилище паролей не приняло токен: допускается не более { $limit } байт. Запросите на портале более короткий токен или задайте переменную VISIT_RATING_TOKEN.
token-format-empty = токен пуст
token-format-whitespace = в нём есть пробелы или переводы строки; вставьте его заново без них
token-format-control = в нём есть управляющие символы
token-format-non-ascii = в нём есть символы, кроме латинских букв, цифр и знаков препинания, а их нельзя передать в заголовке HTTP
token-format-too-long = его длина { $bytes } { $bytes ->
    [one] байт
    [few] байта
   *[many] байт
  }, допускается не более { $max }
token-prompt = Токен (при вводе не отображается):

## Outbox (window)
saved-without-token = Оценка сохранена и будет отправлена, когда будет задан токен.
not-saved-advice = Оценку не удалось сохранить на диске. Она осталась в форме — освободите место на диске или обратитесь к администратору.
outbox-waiting = В очереди { $count } { $count ->
    [one] оценка
    [few] оценки
   *[many] оценок
  }
outbox-attention = требуют внимания: { $count }
outbox-paused = отправка приостановлена: нужен новый токен
outbox-last-error = последняя ошибка: { $error }
outbox-send-now = Отправить сейчас
outbox-open = Очередь
outbox-title = Очередь отправки
outbox-empty = Очередь пуста: все оценки отправлены.
outbox-refresh = Обновить
outbox-export = Экспорт в JSON
outbox-exported = Выгружено оценок: { $count }. Файл: { $path }
outbox-state-waiting = ждёт отправки
outbox-state-attention = требует внимания
outbox-entry-meta = Сохранена { $created }, попыток: { $attempts }
outbox-delete = Удалить
outbox-delete-confirm = Точно удалить?
outbox-deleted = Оценка удалена из очереди.
kiosk-outbox = Очередь отправки
## Outbox CLI
outbox-not-saved = Оценка НЕ сохранена и не отправлена: { $error }
outbox-not-updated = Не удалось обновить очередь после отправки: { $error }
outbox-kept-transient = Оценка сохранена в очереди; отправьте её позже командой «visit-rating outbox flush» (окно программы отправит её само).
outbox-kept-token = Оценка сохранена в очереди и будет отправлена после замены токена («visit-rating outbox flush»).
outbox-kept-attention = Оценка сохранена в очереди как требующая внимания: сервер её отклонил, автоматически она повторно не отправляется. Посмотрите «visit-rating outbox list».
outbox-error = Очередь оценок недоступна: { $error }
outbox-damaged = Повреждённый файл очереди отложен в сторону: { $path }. Остальные оценки отправляются; передайте этот файл администратору.
cli-outbox-state-waiting = ожидает отправки
outbox-state-needs-attention = требует внимания
outbox-never-sent = ещё не отправлялась
outbox-list-line = { $id }  { $visit_id }  { $state }, { $attempts } { $attempts ->
    [one] попытка
    [few] попытки
   *[many] попыток
  }: { $last }
outbox-summary = { $waiting } { $waiting ->
    [one] оценка ожидает
    [few] оценки ожидают
   *[many] оценок ожидают
  } отправки, { $attention } { $attention ->
    [one] требует
   *[other] требуют
  } внимания.
outbox-flush-line = { $visit_id }: { $result }
outbox-busy = Оценки сейчас отправляет другой процесс (окно программы или другая команда); попробуйте позже.
cli-outbox-paused = Отправка приостановлена до замены токена; оценки сохранены в очереди.
outbox-nothing = Отправлять нечего.
outbox-flush-summary = { $delivered } { $delivered ->
    [one] оценка доставлена
    [few] оценки доставлены
   *[many] оценок доставлено
  }; { $waiting } { $waiting ->
    [one] ожидает
   *[other] ожидают
  } отправки, { $attention } { $attention ->
    [one] требует
   *[other] требуют
  } внимания.
cli-outbox-exported = { $count } { $count ->
    [one] оценка записана
    [few] оценки записаны
   *[many] оценок записано
  } в { $path }. В файле есть замечания пациентов (личные данные): храните его в защищённом месте.

## Importing paper forms (visit-rating import, the window's "Import from file…")
import-column-visit-id = Идентификатор визита
import-column-notes = Замечания
import-column-didnt-visit = Не был(а) в поликлинике
import-error-missing-columns = В файле нет столбцов: { $missing }. В строке заголовков найдено: { $found }. Назовите столбцы как в README («Импорт бумажных анкет») или укажите их порядок параметром --columns.
import-error-duplicate-column = Для «{ $column }» в файле два столбца: «{ $first }» и «{ $second }». Оставьте один.
import-error-no-sheet = В книге нет листа «{ $sheet }». Листы: { $sheets }.
import-error-empty = В файле нет ни одной строки.
import-error-not-text = Это не текстовый файл CSV и не таблица, которую умеет читать программа (XLSX, XLS, ODS).
import-error-file = Файл не прочитан: { $error }
import-error-encoding = Неизвестная кодировка «{ $encoding }». Например: utf-8, windows-1251.
import-problem-duplicate = этот визит есть и в строке { $rows }
import-problem-score-missing = оценка не указана
import-problem-score-not-number = «{ $value }» — не число; оценка от 1 до 5
import-problem-score-not-whole = «{ $value }» — не целое число; оценка от 1 до 5
import-problem-score-range = «{ $value }» — оценка должна быть от 1 до 5
import-problem-not-yes-no = «{ $value }» — ожидается да/нет (1/0, x или пусто)
import-problem-cell-error = в ячейке ошибка таблицы { $value }
import-cell-problem = «{ $column }» ({ $letter }): { $problem }
import-row-problems = Строка { $row }: { $problems }
import-row-outcome = Строка { $row } ({ $visit_id }): { $result }
import-row-valid = Строка в порядке (проверка без отправки).
import-row-blocked = Не отправлена: в файле есть строки с ошибками.
import-row-already-delivered = Уже доставлена раньше (по журналу отправленных); не отправлялась повторно.
import-row-stopped = Не отправлена: импорт остановлен. Оценка сохранена в очереди.
import-row-paused-token = Не отправлена: проблема с токеном. Оценка сохранена в очереди.
import-row-unreachable = Не отправлена: сервер не отвечает. Оценка сохранена в очереди.
import-report-row = Строка
import-report-visit-id = Идентификатор визита
import-report-outcome = Итог
import-report-text = Описание
import-report-http-status = HTTP
import-report-code = Код
import-report-message = Сообщение сервера
import-report-message-code = Код сообщения
import-report-detail = Подробности
import-blocked = { $invalid } { $invalid ->
    [one] строка с ошибками
    [few] строки с ошибками
   *[many] строк с ошибками
  }: ничего не отправлено. Исправьте файл или добавьте --skip-invalid, чтобы отправить остальные.
import-nothing-saved = Ничего не сохранено и не отправлено.
import-stopping = Остановка после текущего запроса… (ещё раз Ctrl+C — выйти сразу)
import-stopped = Импорт остановлен. Неотправленные оценки сохранены в очереди; повторный запуск того же файла отправит только их.
import-report-failed = Отчёт не записан в { $path }: { $error }
import-summary = Строк: { $rows }; доставлено: { $delivered } (из них раньше: { $earlier }); ожидают отправки: { $waiting }; отклонено сервером: { $rejected }; с ошибками: { $invalid }.
import-summary-dry-run = Проверка без отправки. Строк: { $rows }; в порядке: { $valid }; с ошибками: { $invalid }.
import-summary-blocked = Строк: { $rows }; в порядке: { $valid }; с ошибками: { $invalid }. Ничего не отправлено.
import-rerun = Оставшиеся оценки сохранены в очереди: их отправит окно программы, «visit-rating outbox flush» или повторный запуск импорта.
import-progress-saving = Сохранение
import-progress-sending = Отправка
import-progress-line = Отправлено { $done } из { $total }, осталось { $left }, { $rate } в секунду
import-open-screen = Импорт из файла…
import-title = Импорт бумажных анкет из файла
import-path-label = Путь к файлу
import-path-hint = например, /home/admin/анкеты.xlsx
import-open = Открыть
import-formats = XLSX, XLS, ODS (первый лист) или CSV (; или , — UTF-8 или Windows-1251). Столбцы: визит, четыре оценки, замечания, «не был(а)» — см. README.
import-reading = Файл читается…
import-preview-counts = Строк: { $rows }; в порядке: { $valid }; с ошибками: { $invalid }.
import-preview-problems = Ошибки
import-preview-ok = в порядке
import-send = Отправить строки без ошибок: { $count }
import-stop = Остановить
import-back = Назад
import-report-path = Куда сохранить отчёт
import-save-report = Сохранить отчёт
import-report-saved = Отчёт сохранён: { $path }
import-more-problems = …и ещё { $count } { $count ->
    [one] строка
    [few] строки
   *[many] строк
  } с ошибками (все — в отчёте).

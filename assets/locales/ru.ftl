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
visit-id-control = Идентификатор посещения содержит управляющий или невидимый служебный символ.
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
advice-transient-not-saved = Проверьте подключение к сети и повторите попытку позже. Оценка нигде не сохранена: повторите команду или отправьте её с --queue, тогда она сохранится и уйдёт сама, когда сервер ответит.

## Input errors (CLI)
error-scores = Укажите четыре оценки от 1 до 5 через запятую, например 5,4,5,5.
error-no-url = Не задан адрес сервера: укажите --url, переменную VISIT_RATING_URL или server_url в файле настроек.
error-notes-too-long = Замечания слишком длинные: { $chars } { $chars ->
    [one] символ
    [few] символа
   *[many] символов
  }, допускается не более { $max }.
error-input = Ошибка: { $error }
# The window without a display (exit code 8): what to use instead.
error-no-display = Нет дисплея, на котором можно открыть окно: не заданы ни DISPLAY, ни WAYLAND_DISPLAY. Без окна оценку отправляет команда visit-rating submit (справка: visit-rating submit --help); окно на виртуальном дисплее: xvfb-run visit-rating
error-display-unavailable = Не удалось открыть окно на дисплее: { $detail }. Без окна оценку отправляет команда visit-rating submit (справка: visit-rating submit --help); окно на виртуальном дисплее: xvfb-run visit-rating

## Window
settings-open = Настройки
visit-id-label = Идентификатор посещения
visit-id-hint = Отсканируйте или введите идентификатор посещения
visit-id-hint-clinic = Отсканируйте или введите GUID посещения (GUID клиники добавится сам)
star-short = { $value } из 5
notes-label = Пожелания и замечания для руководителя медицинского учреждения
notes-hint = Необязательно
notes-counter = { $count } / { $max }
# Under a field that holds as many characters as it may: typing and pasting stop there.
input-limit-reached = Больше ввести нельзя: допускается не более { $max } { $max ->
    [one] символа
   *[other] символов
  }.
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
kiosk-ready-body-keypad = Отсканируйте штрихкод талона или наберите идентификатор посещения с талона на клавишах ниже — чёрточки появятся сами.
kiosk-keypad-clear = Очистить
kiosk-keypad-left = Осталось набрать { $count } { $count ->
    [one] цифру
    [few] цифры
   *[many] цифр
  }.
kiosk-keypad-done = Нажмите «Начать».
kiosk-hint-ready = Всё заполнено.
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
osk-hide = Скрыть
kiosk-visit = Посещение: { $id }
kiosk-start-over = Начать заново
kiosk-text-larger = Крупнее текст
kiosk-text-smaller = Мельче текст
kiosk-contrast-short = Контраст
kiosk-high-contrast = Высокая контрастность
kiosk-language-switch = Language: English

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
token-from-file-gui = Чтобы заменить токен, запишите новый в этот файл (владелец — root или пользователь программы, chmod 600): программа прочитает его при следующей отправке, без перезапуска. Хранилище паролей для него не используется.
token-from-credential-gui = Чтобы заменить токен, запишите новый в файл, указанный в LoadCredential= юнита systemd, и перезапустите службу. Хранилище паролей для него не используется.
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
secrets-token-file-refused = Файл токена { $path } (параметр token_file) не принят: { $problem }. Исправьте файл: владелец — root или пользователь, от имени которого работает программа, права только для владельца (chmod 600), внутри — только токен.
secrets-credential-refused = Учётные данные systemd { $path } не приняты: { $problem }. Исправьте файл, указанный в LoadCredential= юнита, и перезапустите службу.
token-file-not-absolute = путь должен быть абсолютным (например, /etc/visit-rating/token)
token-file-missing = такого файла нет
token-file-unreadable = его не удалось прочитать ({ $detail })
token-file-not-a-file = это не обычный файл
token-file-owner = его владелец — пользователь с номером { $owner }, а допускаются только root (0) и пользователь программы ({ $user })
token-file-mode = его права { $mode } позволяют группе или остальным читать или изменять его; оставьте доступ только владельцу (chmod 600)
token-file-too-large = его размер — { $bytes } { $bytes ->
    [one] байт
    [few] байта
   *[many] байт
  }, а файл токена не бывает больше { $max } байт
token-file-unsupported = файл токена поддерживается только в Linux
token-status-file = Для { $origin } используется токен из файла { $path } (параметр token_file).
token-status-credential = Для { $origin } используется токен из учётных данных systemd { $path }.
token-set-from-file = Токен для { $origin } берётся из файла { $path } (параметр token_file), а не из хранилища паролей: «token set» его не заменит. Запишите новый токен в этот файл (владелец — root или пользователь программы, chmod 600), лучше заменой файла целиком (mv); программа прочитает его при следующей отправке, перезапуск не нужен.
token-set-from-credential = Токен для { $origin } передаёт systemd (учётные данные { $path }), а не хранилище паролей: «token set» его не заменит. Запишите новый токен в файл, указанный в LoadCredential= юнита, и перезапустите службу (systemctl restart).

## Outbox (window)
saved-without-token = Оценка сохранена и будет отправлена, когда будет задан токен.
saved-will-be-sent = Оценка сохранена и будет отправлена автоматически.
not-saved-advice = Оценку не удалось сохранить на диске. Она осталась в форме — освободите место на диске или обратитесь к администратору.
outbox-waiting = В очереди { $count } { $count ->
    [one] оценка
    [few] оценки
   *[many] оценок
  }
outbox-attention = требуют внимания: { $count }
outbox-paused = отправка приостановлена: нужен новый токен
outbox-last-error = последняя ошибка: { $error }
# Why the background sender could not even start sending; $reason is in words already.
sender-cannot-send = Отправка невозможна: { $reason }
sender-no-url = не задан адрес сервера. Укажите его в настройках.
outbox-send-now = Отправить сейчас
outbox-open = Очередь
outbox-title = Очередь отправки
outbox-empty = Очередь пуста: все оценки отправлены.
outbox-damaged-count = повреждённых файлов: { $count }
outbox-damaged-title = Повреждённые файлы: { $count }
outbox-damaged-intro = Эти файлы очереди не удалось прочитать. Они не отправляются и не удаляются автоматически: передайте их администратору. Папка: { $folder }
outbox-damaged-file = { $name } — { $days ->
    [0] записан меньше суток назад
    [one] записан { $days } день назад
    [few] записан { $days } дня назад
   *[other] записан { $days } дней назад
}
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
import-error-missing-columns = В файле нет столбцов: { $missing }. В строке заголовков найдено: { $found }. Назовите столбцы как в документации (глава «Импорт бумажных анкет») или укажите их порядок параметром --columns.
import-error-duplicate-column = Для «{ $column }» в файле два столбца: «{ $first }» и «{ $second }». Оставьте один.
import-error-no-sheet = В книге нет листа «{ $sheet }». Листы: { $sheets }.
import-error-empty = В файле нет ни одной строки.
import-error-not-text = Это не текстовый файл CSV и не таблица, которую умеет читать программа (XLSX, XLS, ODS).
import-error-file = Файл не прочитан: { $error }
import-error-encoding = Неизвестная кодировка «{ $encoding }». Например: utf-8, windows-1251.
import-problem-duplicate = этот визит есть и в строке { $rows }{ $more ->
    [0] {""}
    [one] {" "}и ещё в { $more } строке
   *[other] {" "}и ещё в { $more } строках
  }
import-error-too-big = Файл не принят: { $what } — { $found }, а можно не больше { $max }. Ничего не прочитано дальше и не отправлено (ограничения импорта — в документации, глава «Importing paper forms», раздел Limits).
import-limit-file-bytes = размер файла
import-limit-rows = строк в занятой области листа { $part }
import-limit-columns = столбцов в занятой области листа { $part }
import-limit-cells = ячеек в занятой области листа { $part } (строки × столбцы)
import-limit-shared-strings = общих строк таблицы (sharedStrings)
import-limit-part-bytes = распакованный размер части { $part }
import-limit-total-bytes = распакованный размер всех частей файла
import-limit-ratio = степень сжатия части { $part }
import-limit-zip-entries = частей в архиве
import-limit-csv-rows = строк в файле CSV
import-limit-row-bytes = длина строки { $row } (не закрыта кавычка?)
import-limit-repeated-rows = строк, визит которых есть и в другой строке
import-size-mib = { $mib } МиБ
import-size-ratio = { $ratio } : 1
import-error-encoding-unsure = Кодировка файла не определена надёжно: байт { $offset } (строка { $row }) { $rest ->
    [utf8] не читается как UTF-8, хотя остальной файл в UTF-8
   *[cp1251] похож на UTF-8, хотя остальной файл в Windows-1251
  }. Ничего не отправлено, чтобы замечания не дошли до портала искажёнными. Сохраните файл в кодировке UTF-8 или укажите кодировку явно: visit-rating import --encoding utf-8 (или --encoding windows-1251).
import-error-undecodable = Байт { $offset } (строка { $row }) не читается в кодировке { $encoding }. Ничего не отправлено. Сохраните файл в кодировке UTF-8 или укажите верную: visit-rating import --encoding …
import-error-changed = Файл изменился во время импорта. Откройте его заново.
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
import-row-paused-refused = Не отправлена: сервер или шлюз перед ним отказал в доступе. Оценка сохранена в очереди.
import-row-in-flight = Не отправлена сейчас: эту оценку отправляет другой отправитель (окно программы, outbox flush); она останется в очереди до доставки.
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
import-spool-error = Список сохранённых строк (временный файл) не удалось записать или прочитать: { $error }. Сохранённые строки остались в очереди.
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
import-choose = Выбрать файл…
import-choosing = Открыт диалог выбора файла…
import-dialog-title = Файл с бумажными анкетами
import-dialog-filter = Анкеты: XLSX, XLS, ODS, CSV
import-dialog-all-files = Все файлы
import-dialog-unavailable = Диалог выбора файла недоступен — введите путь к файлу.
import-drop-hint = Файл можно и перетащить в окно программы.
import-dropped-several = Перетащено файлов: { $count }. Читается только первый: { $name }.
import-drop-busy = Файл «{ $name }» не открыт: программа ещё занята другим файлом. Перетащите его ещё раз, когда она закончит.
import-formats = XLSX, XLS, ODS (первый лист) или CSV (; или , — UTF-8 или Windows-1251). Столбцы: визит, четыре оценки, замечания, «не был(а)» — см. документацию, главу «Импорт бумажных анкет».
import-reading = Файл читается…
import-preview-counts = Строк: { $rows }; в порядке: { $valid }; с ошибками: { $invalid }.
import-preview-problems = Ошибки
import-preview-more = …и ещё { $count } { $count ->
    [one] строка
    [few] строки
   *[many] строк
  }: в таблице первые { $shown }; проверены и будут отправлены все.
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
## Odd answers, the delete rule, entries for another server
outcome-refused = Сервер или шлюз перед ним отказал в доступе.
advice-refused = Оценка сохранена. Ответ пришёл не от портала, а, по-видимому, от прокси или межсетевого экрана перед ним: администратору терминала нужно проверить доступ к серверу (адрес, прокси, разрешения).
outbox-kept-refused = Оценка сохранена в очереди и будет отправлена, когда сервер снова примет запрос («visit-rating outbox flush»).
cli-outbox-refused = Отправка остановлена: сервер или шлюз отказал в доступе; оценки сохранены в очереди.
outbox-kept-attention-desk = Оценка оставлена в очереди как требующая внимания. Исправленная оценка того же посещения заменит её; если вы исправили номер посещения, отметьте её в «Очереди» как заменённую или удалите.
outbox-other-server = для другого сервера: { $count }
outbox-state-other-server = сохранена для другого сервера: { $origin }
outbox-move-here = Отправить на текущий сервер ({ $count })
outbox-move-confirm = Точно отправить на { $origin }?
outbox-moved = Перенесено на текущий сервер: { $count }
outbox-mark-replaced = Заменена другой оценкой
outbox-mark-replaced-confirm = Точно отметить как заменённую?
outbox-marked-replaced = Оценка отмечена как заменённая и убрана из очереди.
outbox-in-flight = Эту оценку сейчас отправляют; повторите через несколько секунд.
cli-outbox-state-other-server = для другого сервера ({ $origin })
cli-outbox-other-server = Сохранены для другого сервера и не отправлены: { $count }. Команда «visit-rating outbox flush --to-current-server» отправит их на текущий сервер.
cli-outbox-moved = Перенесено на текущий сервер ({ $origin }): { $count }
cli-outbox-in-flight = Сейчас их отправляет другой процесс: { $count }; он закончит сам.
kiosk-unconfigured-title = Терминал не настроен
kiosk-unconfigured-body = Пожалуйста, позовите сотрудника.
kiosk-unconfigured-no-pin = Для персонала: PIN-код администратора не задан, поэтому настроить терминал с экрана нельзя. Задайте PIN-код командой «visit-rating admin-pin set» от имени пользователя терминала; терминал заметит его сам.
kiosk-unconfigured-no-url = Для персонала: не указан адрес сервера. Удерживайте левый верхний угол 3 секунды, введите PIN-код и откройте настройки.
kiosk-unconfigured-no-token = Для персонала: для сервера не сохранён токен. Удерживайте левый верхний угол 3 секунды, введите PIN-код и сохраните токен в настройках.
token-env-withheld = Токен из VISIT_RATING_TOKEN предназначен только для сервера, указанного при запуске, и этому серверу не передаётся. Сохраните токен для этого сервера ниже.
kiosk-admin-short-pin = PIN-код короче 6 цифр. Замените его: «visit-rating admin-pin set».
kiosk-admin-settings-exposed = Файл настроек { $path } (в нём хеш PIN-кода) могут читать другие пользователи. Выполните: chmod 600 { $path }
clear-text-banner = Незашифрованное соединение: токен и оценки передаются по сети открытым текстом (allow_insecure_http)
warning-clear-text = внимание: включён allow_insecure_http — токен и оценки могут передаваться по http:// на другой компьютер без шифрования.
## visit-rating status
status-headline = visit-rating { $version }: { $state } (код выхода { $code })
status-state-healthy = всё в порядке
status-state-warning = работает, но скоро потребует внимания
status-state-broken = оценки не отправляются, нужны действия
status-state-could-not-check = проверить не удалось
status-server = Сервер: { $origin }
status-server-none = Сервер: не настроен
status-token-keyring = в хранилище ключей
status-token-env = из VISIT_RATING_TOKEN
status-token-credential = из учётных данных systemd
status-token-file = из файла token_file
status-token-until = Токен: { $source }, действует до { $when } (осталось { $days } { $days ->
    [one] день
    [few] дня
   *[many] дней
  })
status-token-no-expiry = Токен: { $source } (срок действия в нём не указан)
status-token-none = Токен: нет
status-token-unreadable = Токен: проверить не удалось: { $error }
status-outbox = Очередь: ждут отправки { $pending }, требуют внимания { $attention }, повреждено { $damaged }
status-outbox-oldest = самая старая ждёт с { $when }
status-outbox-unreadable = Очередь: не читается: { $error }
status-last-attempt = Последняя попытка отправки: { $when }, { $outcome }
status-last-attempt-never = Последняя попытка отправки: ещё не было
status-last-success = Последняя успешная отправка: { $when }
status-last-success-never = Последняя успешная отправка: ещё не было
status-kiosk-on = Режим киоска: включён
status-kiosk-off = Режим киоска: выключен
status-problem-no-url = Не задан адрес сервера: server_url в настройках или VISIT_RATING_URL.
status-problem-no-token = Нет токена для сервера: visit-rating token set.
status-problem-token-expired = Срок действия токена истёк: замените его (visit-rating token set).
status-problem-token-expires-soon = Токен истекает через { $value } { $value ->
    [one] день
    [few] дня
   *[many] дней
  }: замените его заранее.
status-problem-token-refused = Сервер не принял токен; оценки ждут новый (visit-rating token set).
status-problem-gateway-refused = Запрос отклонил не сервер, а шлюз перед ним (прокси, межсетевой экран); оценки ждут. Проверьте сеть терминала.
status-problem-token-unreadable = Хранилище ключей недоступно, токен не проверен.
status-problem-outbox-unreadable = Папка очереди не читается.
status-problem-oldest-pending-over-1h = Оценка ждёт отправки больше часа: проверьте сеть и сервер.
status-problem-needs-attention = Оценок, требующих внимания: { $value } (visit-rating outbox list).
status-problem-damaged-files = Повреждённых файлов очереди отложено в outbox/damaged/: { $value }.
status-problem-counters-damaged = Счётчики отправок повреждены; при следующей отправке они начнутся с нуля.
status-problem-counters-unreadable = Счётчики отправок (metrics.json в папке данных) не читаются.
metrics-no-file = visit-rating: для --write-file в настройках нужен metrics_file (см. «Operating many terminals»).
metrics-cannot-write = visit-rating: не удаётся записать файл метрик { $path }: { $error }

## The window's warning ahead of the token's expiry
token-expires-in = Токен доступа истекает через { $days } { $days ->
    [one] день
    [few] дня
   *[many] дней
  }: замените его в настройках
token-expired-line = Срок действия токена доступа истёк: замените его в настройках

## Why the outbox or the HTTP client could not be used (advice for people; the program's
## own English texts stay short).
outbox-disk-full = Диск заполнен: в { $path } нельзя записать. Освободите место на диске и повторите.
outbox-read-only = Папка { $path } доступна только для чтения ({ $error }). Сделайте её доступной для записи.
outbox-io = Очередь оценок в { $path } недоступна: { $error }
outbox-not-found = Оценки { $id } нет в очереди: её уже отправили или удалили.
client-bad-url = Адрес сервера { $url } неверен: { $reason }
client-insecure = Токен не будет отправлен открытым текстом на { $host }: укажите адрес https://, а если вы принимаете риск — allow_insecure_http = true в настройках (или --allow-insecure-http).
client-ca-file = Нельзя использовать файл сертификатов { $path }: { $reason }
client-build = Не удалось подготовить HTTP-клиент: { $error }

## visit-rating config, and the settings files
config-origin-default = по умолчанию
config-origin-system = файл машины
config-origin-drop-in = дополнение машины
config-origin-user = файл пользователя
config-origin-environment = окружение (VISIT_RATING_URL)
config-path-missing = (нет)
config-unknown-key = { $file }: неизвестная настройка «{ $key }» пропущена (файл для более новой версии?)
config-kind-text = текст
config-kind-path = путь к файлу
config-kind-bool = true или false
config-kind-whole = целое число
config-kind-decimal = число
config-kind-language = ru или en
config-set-done = { $key } = { $value } записано в { $file }. Открытое окно применит это за несколько секунд.
config-set-unknown = Неизвестная настройка «{ $key }»: ничего не записано. Все настройки перечисляет «visit-rating config show».
config-set-own-command = { $key } задаётся командой «visit-rating admin-pin set», а не вручную: ничего не записано.
config-set-kind = { $key }: ожидается { $expected }, а не «{ $value }»: ничего не записано.
config-set-invalid = { $detail }: ничего не записано.
config-set-overridden = { $key } задано и в { $file }: этот файл читается позже, его значение действует.

## visit-rating admin-pin check (сам PIN-код в этих строках не повторяется)
admin-pin-check-match = PIN-код совпадает с действующим PIN-кодом администратора.
admin-pin-check-mismatch = PIN-код не совпадает с действующим PIN-кодом администратора.
admin-pin-check-none = PIN-код администратора не задан. Задайте его командой «visit-rating admin-pin set».
admin-pin-check-not-a-pin = Во входных данных не PIN-код (одна строка не длиннее 12 цифр 0–9): сравнение не выполнялось.
admin-pin-check-unreadable = Не удалось прочитать PIN-код со стандартного ввода: { $detail }
admin-pin-check-prompt = PIN-код администратора (не отображается при вводе):

## visit-rating admin-pin set и clear (сам PIN-код в этих строках не повторяется)
admin-pin-set-prompt = Новый PIN-код администратора (6–12 цифр, не отображается при вводе):
admin-pin-set-repeat = Повторите PIN-код:
admin-pin-set-differ = PIN-коды не совпадают: ничего не изменено.
admin-pin-set-format = PIN-код должен состоять из 6–12 цифр (0–9): ничего не изменено.
admin-pin-set-hash-failed = Не удалось вычислить хеш PIN-кода: ничего не изменено.
admin-pin-set-unreadable-terminal = Не удалось прочитать PIN-код с терминала: { $detail }
admin-pin-stored = PIN-код администратора сохранён в { $path } в виде хеша Argon2id.
admin-pin-removed = PIN-код администратора удалён из { $path }.
admin-pin-settings-unreadable = Не удалось прочитать файл настроек { $path }: { $detail }. PIN-код не изменён.
admin-pin-settings-invalid = В файле настроек { $path } ошибка: { $detail }. PIN-код не изменён: исправьте файл и повторите.
admin-pin-settings-unwritable = Не удалось записать файл настроек { $path }: { $detail }. PIN-код не изменён.

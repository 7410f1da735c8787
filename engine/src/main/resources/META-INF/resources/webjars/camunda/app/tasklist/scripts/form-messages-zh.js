/*
 * Chinese messages for the Camunda Forms in Tasklist (loaded by config.js, customScripts).
 *
 * Tasklist 7.24 renders Camunda Forms with the form-js viewer bundled in lib/deps.js, whose validator
 * writes its messages in English into the page ("Field is required.", "Field must be a valid email.",
 * "Value is not a number.") without any translation hook: Tasklist's locales (locales/zh.json) cover
 * Tasklist's own texts only. This script puts the Chinese text into each message element form-js shows
 * (ul in .fjs-form-field-error), whenever form-js writes one, and lets a number field take full-width
 * digits (３, ２．５), which an IME types and form-js would read as NaN.
 *
 * A text field holding only blank-looking characters (BLANK_CHARACTER) shows them as spaces, so that
 * form-js's check of a required field on the trimmed value (String.trim knows white space only) says
 * “此项为必填项，不能只填空格。” for U+200B or U+3164 as it does for spaces (tester 3, N1/N9).
 */

const MESSAGES = [
  [/^Field is required\.$/, () => '此项为必填项。'],
  [/^Field must have minimum length of 1\.$/, () => '此项为必填项，不能只填空格。'],
  [/^Field must have minimum length of (\d+)\.$/, (m) => `至少填写${m[1]}个字。`],
  [/^Field must have maximum length of (\d+)\.$/, (m) => `不能超过${m[1]}字（表情符号等少数字符按2字计）。`],
  [/^Field must have minimum value of (.+)\.$/, (m) => `不能小于${m[1]}。`],
  [/^Field must have maximum value of (.+)\.$/, (m) => `不能大于${m[1]}。`],
  [/^Field must match pattern .*\.$/, () => '格式不正确。'],
  [/^Field must be a valid email\.$/, () => '请填写正确的电子邮箱地址。'],
  [/^Field must be a valid\s+international phone number\..*$/, () => '请填写正确的电话号码（国际格式，如 +8613912345678）。'],
  [/^Value is not a number\.$/, () => '请填写数字（如 3）。'],
  [/^Value is expected to be an integer\.$/, () => '请填写整数。'],
  [/^Value is expected to have at most (\d+) decimal digits?\.$/, (m) => `最多保留${m[1]}位小数。`],
  [/^Please select a valid value, the two nearest valid values are (.+) and (.+)\.$/,
    (m) => `数值无效，最接近的两个有效值是${m[1]}和${m[2]}。`]
];

/** The Chinese text of one form-js message, or null when it is not one of form-js's. */
export function translate(text) {
  for (const [pattern, chinese] of MESSAGES) {
    const match = pattern.exec(text.trim());
    if (match) {
      return chinese(match);
    }
  }
  return null;
}

function translateWithin(node) {
  const root = node.nodeType === Node.TEXT_NODE ? node.parentNode : node;
  if (!root || !root.closest) {
    return;
  }
  const inError = root.closest('.fjs-form-field-error');
  const items = inError ? [root] : root.querySelectorAll('.fjs-form-field-error li');
  for (const item of items) {
    const walker = document.createTreeWalker(item, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const chinese = translate(text.data);
      if (chinese !== null && chinese !== text.data) {
        text.data = chinese;
      }
    }
    numberMessages(item.closest('.fjs-form-field-number'));
  }
}

new MutationObserver((mutations) => {
  for (const mutation of mutations) {
    if (mutation.type === 'characterData') {
      translateWithin(mutation.target);
    } else {
      mutation.addedNodes.forEach(translateWithin);
    }
  }
}).observe(document.documentElement, {childList: true, subtree: true, characterData: true});

// A number field reads what was typed, or refuses it (tester 3, N2). form-js's own key filter drops
// every key but digits, '.', ',' and a leading '-' without a word ("1e1" became 11, "0x3" 3, "1 2" 12)
// and then reads the rest with Number(), which also takes "1e1", "0x3" or "Infinity". Here every key
// reaches the field (its keypress never reaches form-js) and, before form-js reads the input, full-width
// digits, point and minus become ASCII (NFKC: ３ → 3, ２．５ → 2.5, ０ → 0) and a leading '+' is dropped
// (+4 is 4); a decimal comma is a point as form-js reads it (2,5), 1,000 is refused. Whatever is then not a plain decimal number (NUMBER_TYPED: a sign, digits, one point) is
// handed to form-js as "NaN", which it shows in the field with no value (Backspace empties it), and the
// message says “请填写数字（如 3）。”; 完成 stays refused. form-js sends a changed value on after a short
// delay and compares it with the value it last sent, so a number replaced by "NaN" within that delay
// may come back (1 → 1e → 1): when the field is left, and before any button acts, a field that shows
// something else than what was typed gets what was typed again. A whole number written with zeros after
// the point (4.0) is read as that number once the field is left.
const NUMBER_TYPED = /^-?\d*(\.\d*)?$/;
const WHOLE_WITH_POINT = /^(-?\d+)\.0*$/;
const NOT_A_NUMBER = '请填写数字（如 3）。';

function numberInput(target) {
  return target instanceof HTMLInputElement && target.closest('.fjs-form-field-number') ? target : null;
}

/** What form-js is to read of `typed`: the ASCII number as typed, or "NaN" for anything else. */
export function numberText(typed) {
  let text = typed.normalize('NFKC').replace(/\u3002/g, '.').replace(/^\+/, '');
  if (/,\d{3}$/.test(text)) {
    return 'NaN';  // 1,000: a thousands separator or a decimal comma? never guessed
  }
  text = text.replace(/,/g, '.');  // a decimal comma is a point, as form-js reads it (2,5 is 2.5)
  return NUMBER_TYPED.test(text) ? text : 'NaN';
}

/** The message of a number field: form-js says "required" for "NaN" (no value); it is not a number. */
function numberMessages(field) {
  const input = field && field.querySelector('input');
  if (!input) {
    return;
  }
  const required = translate('Field is required.');
  for (const item of field.querySelectorAll('.fjs-form-field-error li')) {
    const walker = document.createTreeWalker(item, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {  // preact's own text nodes
      if (input.value === 'NaN' && text.data.trim() === required) {
        text.data = NOT_A_NUMBER;
      } else if (input.value !== 'NaN' && text.data.trim() === NOT_A_NUMBER) {
        text.data = required;
      }
    }
  }
}

document.addEventListener('keypress', (event) => {
  if (numberInput(event.target)) {
    event.stopPropagation();  // form-js's filter would drop the key without a word
  }
}, true);

// what the user last typed into each number field, as form-js is to read it
const TYPED = new WeakMap();

document.addEventListener('input', (event) => {
  const input = numberInput(event.target);
  if (!input || !event.isTrusted || event.isComposing) {
    return;  // our own hand-over, or an input method still composing
  }
  const text = numberText(input.value);
  TYPED.set(input, text);
  if (text !== input.value) {
    input.value = text;
  }
}, true);

/** What the field must show for what was typed: 4.0 as 4; null when nothing was typed. */
function expectedText(input) {
  const typed = TYPED.get(input);
  if (typed === undefined) {
    return null;
  }
  const whole = WHOLE_WITH_POINT.exec(typed);
  return whole ? String(Number(whole[1])) : typed;
}

/** Hands `input` what was typed again when form-js shows something else (its delayed change came back). */
function reassert(input) {
  const expected = expectedText(input);
  if (expected === null || input.value === expected) {
    return false;
  }
  input.value = expected;
  input.dispatchEvent(new Event('input', {bubbles: true}));
  return true;
}

// 4.0 is read as 4 once the field is left (not while typing: 4.05 is still being written), and what
// form-js shows then is what was typed
document.addEventListener('focusout', (event) => {
  const input = numberInput(event.target);
  if (input) {
    reassert(input);
    for (const delay of [50, 400, 1000]) {  // form-js's delayed change (300 ms) may still come back
      setTimeout(() => document.activeElement !== input && reassert(input), delay);  // not while typing again
    }
  }
}, true);

// 完成 / 发起 never submit a number the field does not show as typed
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element && event.target.closest('button');
  if (!button) {
    return;
  }
  let changed = false;
  for (const input of document.querySelectorAll('.fjs-form-field-number input')) {
    changed = reassert(input) || changed;
  }
  if (changed) {
    event.preventDefault();
    event.stopPropagation();
  }
}, true);

// after form-js has read the input and rendered: the message of what it shows
document.addEventListener('input', (event) => {
  const input = numberInput(event.target);
  if (input) {
    setTimeout(() => numberMessages(input.closest('.fjs-form-field-number')), 0);
  }
}, false);

// form-js writes English placeholders into selects ("Select") and their search boxes ("Search").
const PLACEHOLDERS = {Select: '请选择', Search: '搜索'};

function placeholdersWithin(node) {
  const root = node.nodeType === Node.TEXT_NODE ? node.parentNode : node;
  if (!root || !root.querySelectorAll) {
    return;
  }
  const displays = root.matches('.fjs-select-display') ? [root] : root.querySelectorAll('.fjs-select-display');
  for (const display of displays) {
    for (const text of display.childNodes) {
      if (text.nodeType === Node.TEXT_NODE && PLACEHOLDERS[text.data.trim()]) {
        text.data = PLACEHOLDERS[text.data.trim()];
      }
    }
  }
  const inputs = root.matches('input[placeholder]') ? [root] : root.querySelectorAll('input[placeholder]');
  for (const input of inputs) {
    if (PLACEHOLDERS[input.placeholder] && input.closest('.fjs-container, .fjs-form')) {
      input.placeholder = PLACEHOLDERS[input.placeholder];
    }
  }
}

new MutationObserver((mutations) => {
  for (const mutation of mutations) {
    if (mutation.type === 'characterData') {
      placeholdersWithin(mutation.target);
    } else if (mutation.type === 'attributes') {
      placeholdersWithin(mutation.target);
    } else {
      mutation.addedNodes.forEach(placeholdersWithin);
    }
  }
}).observe(document.documentElement,
  {childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['placeholder']});

// Characters that look blank: Unicode White_Space, controls, format characters, every
// Default_Ignorable_Code_Point (Hangul fillers U+3164 …, variation selectors) and U+2800 BRAILLE PATTERN
// BLANK. The same set as appeals.validation.BLANK_CHARACTER and the engine's BlankText.java
// (tests/static/test_blank_text.py compares the three on every code point).
export const BLANK_CHARACTER = /[\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/u;
const BLANK_TEXT = new RegExp(`^${BLANK_CHARACTER.source}+$`, 'u');
const NOT_WHITE_SPACE = /[^\p{White_Space}]/gu;

document.addEventListener('input', (event) => {
  const input = event.target;
  if (event.isComposing || !(input instanceof HTMLInputElement || input instanceof HTMLTextAreaElement)
      || !input.closest('.fjs-form-field-textfield, .fjs-form-field-textarea')) {
    return;
  }
  if (input.value.trim() !== '' && BLANK_TEXT.test(input.value)) {
    input.value = input.value.replace(NOT_WHITE_SPACE, ' ');
  }
}, true);

export default [];

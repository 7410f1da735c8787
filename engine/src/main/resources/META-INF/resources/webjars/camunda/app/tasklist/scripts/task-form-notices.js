/*
 * Where Tasklist's notices of a refused task form go (loaded by config.js, customScripts; tester 5 F8).
 *
 * When 完成 is refused (a required field left empty, or the engine refuses the values), Tasklist shows the
 * notice “提交任务表单时发生错误” in its notifications panel (`.page-notifications`, absolute at the bottom
 * right, z-index 1060), which lies over the form's 保存/完成 buttons and stays until closed: the user had to
 * close it before 完成 could be clicked again. Two changes, kept in this file of their own:
 *
 * - the panel sits above the buttons' row (bottom 72px instead of 20px), and only the notices themselves
 *   take clicks, not the empty rest of the panel;
 * - once the user edits the form again (typing, choosing), the refusal notices (alert-danger) close, as
 *   the fields' own messages say what is still missing (a new refusal brings a new notice);
 * - Camunda's page footer (fixed at the bottom, 24px high, more when its text wraps) lay over the end of
 *   the scrolling panes (the form pane ends under it): the 完成 button, the last of the form, was half
 *   covered and its lower half took no click. Each pane's content ends with room for the footer (its
 *   height measured, `--appeals-footer-height`) above the pane's own padding.
 */

const STYLE_ID = 'appeals-task-form-notices';

const STYLE = `
.page-notifications {
  bottom: 72px !important;
  pointer-events: none;
}
.page-notifications .alert {
  pointer-events: auto;
}
.three-cols-layout-cell.content {
  padding-bottom: calc(var(--appeals-footer-height, 24px) + 24px) !important;
}
`;

/** The footer's height as the CSS variable the panes' padding uses (it grows when its text wraps). */
function measureFooter() {
  const footer = document.querySelector('footer');
  if (footer && footer.offsetHeight) {
    document.documentElement.style.setProperty('--appeals-footer-height', `${footer.offsetHeight}px`);
  }
}

function addStyle() {
  if (document.getElementById(STYLE_ID)) {
    return;
  }
  const style = document.createElement('style');
  style.id = STYLE_ID;
  style.textContent = STYLE;
  document.head.appendChild(style);
}

/** Close the refusal notices in the panel (through their own × button, so Tasklist forgets them too). */
export function closeRefusals() {
  for (const alert of document.querySelectorAll('.page-notifications .alert-danger')) {
    const close = [...alert.querySelectorAll('button.close')].find((button) => !button.classList.contains('ng-hide'));
    if (close) {
      close.click();
    }
  }
}

function edited(event) {
  const target = event.target;
  if (target && target.closest && target.closest('.fjs-form')) {
    closeRefusals();
  }
}

addStyle();
measureFooter();
window.addEventListener('resize', measureFooter);
window.addEventListener('load', measureFooter);
document.addEventListener('click', measureFooter, true);
document.addEventListener('input', edited, true);
document.addEventListener('change', edited, true);

export default [];

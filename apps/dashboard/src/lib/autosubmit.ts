/**
 * A filter form that applies itself: choosing in a select submits the form (a GET, so the choice
 * lands in the URL). Text fields submit with Enter, and the form works the same without JS.
 */
export function autosubmit(form: HTMLFormElement) {
  const submit = (event: Event) => {
    if (event.target instanceof HTMLSelectElement) form.requestSubmit();
  };
  form.addEventListener('change', submit);
  return {
    destroy() {
      form.removeEventListener('change', submit);
    },
  };
}

import { paths } from '../../routes';

/** A console path that names no page. */
export function NotFoundPage() {
  return (
    <section class="page-body">
      <h1>Page not found</h1>
      <p>
        <a href={paths.inbox}>Go to the Inbox</a>
      </p>
    </section>
  );
}

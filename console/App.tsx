export function App() {
  return (
    <main class="page">
      <h1>Backstop console</h1>
      <p>
        This is where support agents will pick up handoffs (Inbox) and product teams will review failures, calibration and
        trends (Review). Neither is available yet.
      </p>
      <p>
        Meanwhile, stored feedback can be exported with <code>npx backstop export feedback</code>, and the widget can be
        tried on the <a href="/demo/">demo product</a>.
      </p>
    </main>
  );
}

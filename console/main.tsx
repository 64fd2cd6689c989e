/** The staff console: Sign-in, the Inbox and the conversation view, inside one shell. */
import { render } from 'preact';
import { LocationProvider } from 'preact-iso';
import { Routes } from './routes';
import { Shell } from './shell/Shell';
import { loadSession, me } from './shell/session';
import './console.css';

function App() {
  return (
    <LocationProvider>
      <Shell>
        <Routes />
      </Shell>
    </LocationProvider>
  );
}

// Until the server answers, keep asking: a console opened while the server restarts recovers by itself.
async function start(): Promise<void> {
  await loadSession();
  if (me.value === undefined) setTimeout(start, 3000);
}
void start();
render(<App />, document.getElementById('app')!);

/** The staff console. For now a landing page; Inbox (support agents) and Review (product teams) build on it. */
import { render } from 'preact';
import { App } from './App';
import './console.css';

render(<App />, document.getElementById('app')!);

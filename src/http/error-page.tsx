/** @module The HTML answer when a page has nothing to show (an unknown run or persona, a page past the end, a bad address), always with a way back. */
import { Layout } from "./layout";

export interface ErrorPageProps {
  title: string;
  message: string;
  back: { href: string; label: string };
}

export function ErrorPage({ title, message, back }: ErrorPageProps) {
  return (
    <Layout title={title}>
      <p><a href={back.href}>← {back.label}</a></p>
      <h1>{title}</h1>
      <p>{message}</p>
    </Layout>
  );
}
